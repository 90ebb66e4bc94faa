"""Training sessions (研修会): the parameter set (`schema`), the checks every submission passes
(`submissions`), what the board and the report show (`board`), and the pipelines behind
`workbench session …` (`run`: prepare, serve, report). The names below are the package's API."""
from casebook.sessions.board import (Board, BoardPoint, BoardQuestion, attendance, board, comparison,
                                     kind_label, survey_summary)
# The report's data module is loaded before `run`: importing a submodule sets the package attribute
# of its name, so loaded later it would hide the `report` function (sessions.report(...) -> not callable).
from casebook.sessions import report as _report_data  # noqa: F401, I001
from casebook.sessions.run import (PrepareReport, ReportResult, facilitator_url, notebook_parameters, prepare,
                                   report, serve, session_dir)
from casebook.sessions.schema import (DEFAULT_AGENDA, FACILITATOR_KEY_ENV, FACILITATOR_NOTEBOOK, NOTEBOOKS,
                                      PARTICIPANT_NOTEBOOK, REPORT_NOTEBOOK, GroupRule, SessionError,
                                      SessionParams, SubmissionError, SurveySpec, build_session, cross_check,
                                      form_mixed_groups, load_params, parse_kind, validate_params)
from casebook.sessions.submissions import (SURVEY_SCORES, close, group_names, join, own_points, pin_point,
                                           release_point, save_summary, submit_evaluation, submit_point)

__all__ = ["board", "Board", "BoardPoint", "BoardQuestion", "DEFAULT_AGENDA", "FACILITATOR_KEY_ENV",
           "FACILITATOR_NOTEBOOK", "GroupRule", "NOTEBOOKS", "PARTICIPANT_NOTEBOOK", "PrepareReport",
           "REPORT_NOTEBOOK", "ReportResult", "SURVEY_SCORES", "SessionError", "SessionParams",
           "SubmissionError", "SurveySpec", "attendance", "build_session", "close", "comparison",
           "cross_check", "facilitator_url", "form_mixed_groups", "group_names", "join", "kind_label",
           "load_params", "notebook_parameters", "own_points", "parse_kind", "pin_point", "prepare", "release_point",
           "report", "save_summary", "serve", "session_dir", "submit_evaluation", "submit_point",
           "survey_summary", "validate_params"]
