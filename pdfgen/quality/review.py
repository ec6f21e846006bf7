"""Review governance: is the handout's clinical review current?"""

from __future__ import annotations

import calendar
import datetime as dt

from ..errors import Finding
from ..rules import finding

DUE_SOON_DAYS = 30
TODAY_ENV = "PDFGEN_TODAY"


def today() -> dt.date:
    """The day review dates are judged by: $PDFGEN_TODAY (YYYY-MM-DD) if set, else today.

    Tests and CI pin it so that they do not start failing when the sample falls due."""
    import os

    value = os.environ.get(TODAY_ENV, "").strip()
    if not value:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        from ..errors import UsageError

        raise UsageError(f"{TODAY_ENV}={value!r} is not a date like 2026-11-26") from None


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, clamped to the month's end (Jan 31 + 1 month = Feb 28)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_date(proc, clinic) -> dt.date:
    return add_months(proc.reviewed, clinic.review_months)


def check(proc, clinic, today: dt.date) -> list[Finding]:
    return check_dates(proc.reviewed, proc.pos_of("reviewed"), proc.pending_review,
                       proc.pos_of("reviewed_by"), clinic.review_months, today)


def check_dates(reviewed: dt.date, reviewed_pos, pending: bool, pending_pos, months: int,
                today: dt.date) -> list[Finding]:
    """The review findings from the dates alone (a build re-judges unchanged handouts so).

    A handout no clinician has reviewed is reported as pending, not as overdue: there was
    no review to fall out of date, and its footer already says "Pending clinical review".
    """
    out = []
    due = add_months(reviewed, months)
    interval = f"the clinic reviews every {months} months (clinic.yaml review_months)"
    if reviewed > today:
        out.append(finding(reviewed_pos, "reviewed", f"reviewed date {reviewed} is in the future",
                           "review-future"))
    elif pending:
        pass
    elif today > due:
        out.append(finding(reviewed_pos, "reviewed", f"clinical review overdue since {due}: "
                                                     f"reviewed {reviewed}, and {interval}",
                           "review-overdue"))
    elif (due - today).days <= DUE_SOON_DAYS:
        days = (due - today).days
        out.append(finding(reviewed_pos, "reviewed", f"clinical review due on {due} (in {days} "
                                                     f"day{'s' if days != 1 else ''})",
                           "review-due"))
    if pending:
        out.append(finding(pending_pos, "reviewed_by",
                           "no clinician has reviewed this handout: its PDFs say "
                           "'Pending clinical review'", "pending-review"))
    return out
