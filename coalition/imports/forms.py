"""The upload form and the form that confirms an import."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField

ACCEPT = ".csv,.xlsx,.txt,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(FlaskForm):
    file = FileField(_l("Spreadsheet (CSV or Excel .xlsx)"), validators=[FileRequired(_l("Choose a file."))],
                     render_kw={"accept": ACCEPT})
    skip_bad_rows = BooleanField(_l("Skip bad rows (import the good rows only)"))
    invite = BooleanField(_l("Send each new person an invitation"))


class ApplyForm(FlaskForm):
    skip_bad_rows = BooleanField(_l("Skip bad rows (import the good rows only)"))
    invite = BooleanField(_l("Send each new person an invitation"))
