"""nbgrader configuration of the course. Every stock `nbgrader` command reads it.

Three things differ from stock nbgrader, all during `nbgrader autograde`:
* each submission is first rebuilt on the release notebook's skeleton (graders/autograde/repair.py), so
  a copied, deleted or edited test cell or stripped metadata cannot stop or fool the run;
* the student's kernel runs in a bubblewrap sandbox (graders/run/sandbox.py): no reference/,
  source/, gradebook or network, memory and CPU limits;
* test cells are decided in this process by graders.autograde.verdicts.TrustedVerdicts, from the plain
  numbers the student's functions returned, never by asserts inside the student's kernel.
"""

import os
import sys

ROOT = os.path.dirname(os.path.abspath(__file__))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import (  # noqa: E402
    AssignLatePenalties, CheckCellMetadata, ClearOutput, DeduplicateIds, GetGrades, IgnorePattern, LimitOutput,
    OverwriteCells, OverwriteKernelspec, SaveAutoGrades,
)

from graders.autograde.execute import ResilientExecute  # noqa: E402
from graders.autograde.feedback import FeedbackStyle, StripHiddenTests  # noqa: E402
from graders.autograde.limits import BoundOutputs  # noqa: E402
from graders.autograde.repair import RepairSubmission  # noqa: E402
from graders.autograde.verdicts import TrustedVerdicts  # noqa: E402

c = get_config()  # noqa: F821

c.CourseDirectory.course_id = "calc4ml"
c.CourseDirectory.root = ROOT
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(ROOT, "gradebook.db")
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".DS_Store"]
# source/<a>/<a>.py is the notebook's jupytext pair (source/jupytext.toml): solutions and hidden
# tests in plain text. It never reaches release/ (nor autograded/): the release is made from the
# .ipynb alone, and jupytext's contents manager would load a paired notebook's inputs from it.
_SOURCE = os.path.join(ROOT, "source")
c.CourseDirectory.ignore += sorted(f"{a}.py" for a in (os.listdir(_SOURCE) if os.path.isdir(_SOURCE) else ()))

c.GenerateAssignment.create_assignment = True
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

c.Autograde.sanitize_preprocessors = [
    RepairSubmission,  # rebuild on the release's skeleton: copied, deleted, moved test cells; lost metadata
    ClearOutput,
    DeduplicateIds,
    OverwriteKernelspec,
    OverwriteCells,
    CheckCellMetadata,
]
c.Autograde.autograde_preprocessors = [
    ResilientExecute,  # Execute that survives a dying kernel: restart, replay, go on
    TrustedVerdicts,  # after the kernel ran, before anything reads or saves the outputs
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    BoundOutputs,  # every kind of output bounded per cell (LimitOutput cuts only streams)
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]
c.Execute.kernel_manager_class = "graders.run.sandbox.SandboxedKernelManager"
# A cell's budget is CPU time of the student's kernel (graders/autograde/budget.py: 20 s, or 500 times the
# reference's own CPU time in that cell if more), so a busy machine never costs a student points.
# This wall-clock limit is only the backstop for code that waits instead of computing (sleep,
# input()): generous enough that the largest CPU budget of a test cell (40 s) fits several times
# over on a saturated machine. A timed-out cell is interrupted and scores 0.
c.Execute.timeout = 300
c.LimitOutput.max_lines = 200  # stream lines kept per cell in autograded/ and feedback
c.LimitOutput.max_traceback = 60

# Feedback shows the visible tests and the verdicts, not the hidden tests' source.
c.GenerateFeedback.preprocessors = [StripHiddenTests, GetGrades, CSSHTMLHeaderPreprocessor, FeedbackStyle]

# ---- The term on JupyterHub (graders/exchange.py; README "Run a term on JupyterHub") ----------
# Students fetch and submit through nbgrader's exchange, named by their Unix user. The folder is
# $CALC4ML_EXCHANGE if set (the tests use a temporary one), else /srv/nbgrader/exchange; it must
# exist and be writable by everyone (chmod 1777): release_assignment makes <root>/calc4ml/outbound
# (755), inbound (2733) and feedback (2711) below it.
from graders.exchange import LatePolicy, exchange_root  # noqa: E402

c.Exchange.root = exchange_root()
# A submission is a notebook and its small data: a folder over 20 MB is refused at submit with
# "Directory size is too big", a file over 5 MB is left out of the copy (nbgrader, sizes in KB).
c.CourseDirectory.max_dir_size = 20_000
c.CourseDirectory.max_file_size = 5_000
# Due dates (UTC); `calc4ml release --publish`, `calc4ml collect` and `calc4ml grade` write them
# into the gradebook, where AssignLatePenalties, formgrader and `calc4ml report` read them.
c.DueDates.dates = {
    "w1_cost_minimization": "2027-01-18 23:59:00 UTC",
    "w2_linear_regression": "2027-01-25 23:59:00 UTC",
    "w3_two_layer_network": "2027-02-01 23:59:00 UTC",
    "w4_newtons_method": "2027-02-08 23:59:00 UTC",
}
# Late policy: 10% of the score off per started day late, at most 50%, 0 after 7 days. The last
# submission counts (collect replaces an earlier one); an extension set in formgrader moves the
# student's due date.
c.AssignLatePenalties.plugin_class = LatePolicy
c.LatePolicy.per_day = 0.10
c.LatePolicy.max_fraction = 0.50
c.LatePolicy.zero_after_days = 7

# ---- Grade on submit: `calc4ml serve` (graders/run/serve.py; README "Grading on submit") ------
# Each submission is graded as it arrives and its feedback released at once, hidden-check
# messages included (they show the student's values, never the expected ones). An assignment
# listed here is held instead: until its due date the student's page says "received and graded,
# results after <due date>"; the server releases everyone's full feedback once the date passes.
c.ServePolicy.hold_hidden_until_due = []
