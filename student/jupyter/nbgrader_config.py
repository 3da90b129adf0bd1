"""nbgrader's configuration on the students' side: which course, where its exchange is.

`tools/student_env.py` installs it as <student env>/etc/jupyter/nbgrader_config.py (a server may
use /etc/jupyter/nbgrader_config.py instead). It must agree with the course's nbgrader_config.py.
"""

import os

c = get_config()  # noqa: F821

c.CourseDirectory.course_id = "calc4ml"
c.Exchange.root = os.environ.get("CALC4ML_EXCHANGE") or "/srv/nbgrader/exchange"
# A submission folder over 20 MB is refused at submit, with this message in the Assignments tab.
c.CourseDirectory.max_dir_size = 20_000
c.CourseDirectory.max_file_size = 5_000
# Submit refuses a folder that lacks a released notebook (renamed or deleted): it names it.
c.ExchangeSubmit.strict = True
