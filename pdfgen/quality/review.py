"""Review governance: is the handout's clinical review current?"""

from __future__ import annotations

import calendar
import datetime as dt

from ..errors import Finding
from .rules import finding

DUE_SOON_DAYS = 30


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, clamped to the month's end (Jan 31 + 1 month = Feb 28)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_date(proc, clinic) -> dt.date:
    return add_months(proc.reviewed, clinic.review_months)


def status(proc, clinic, today: dt.date) -> str:
    """'overdue', 'due' (within 30 days), 'pending' (no reviewer) or 'current'."""
    due = due_date(proc, clinic)
    if today > due:
        return "overdue"
    if (due - today).days <= DUE_SOON_DAYS:
        return "due"
    return "pending" if proc.pending_review else "current"


def check(proc, clinic, today: dt.date) -> list[Finding]:
    return check_dates(proc.reviewed, proc.pos_of("reviewed"), proc.pending_review,
                       proc.pos_of("reviewed_by"), clinic.review_months, today)


def check_dates(reviewed: dt.date, reviewed_pos, pending: bool, pending_pos, months: int,
                today: dt.date) -> list[Finding]:
    """The review findings from the dates alone (a build re-judges unchanged handouts so)."""
    out = []
    due = add_months(reviewed, months)
    interval = f"the clinic reviews every {months} months (clinic.yaml review_months)"
    if reviewed > today:
        out.append(finding(reviewed_pos, "reviewed", f"reviewed date {reviewed} is in the future",
                           "review-future"))
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
