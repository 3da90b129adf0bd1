"""What runs inside `nbgrader autograde`: preprocessors that repair, execute (with budgets),
judge (trusted verdicts), bound and render each submission."""
