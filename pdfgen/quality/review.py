"""Review governance: is the handout's clinical review current?"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from ..errors import Finding, Pos
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
    """The day the handout's clinical review (or, never reviewed, its first) falls due."""
    return add_months(proc.shown_date, clinic.review_months)


@dataclass(frozen=True)
class ReviewDates:
    """What review governance judges, from a loaded handout (`dates_of`) or from a build's
    record of one (build.recorded_findings re-judges unchanged handouts as of today)."""

    updated: dt.date  # the text last edited
    reviewed: dt.date | None  # signed off by a clinician; None: never
    updated_at: Pos  # where each is written, for the findings
    reviewed_at: Pos
    pending_at: Pos  # where a pending review is reported
    old: bool = False  # written the old way: `reviewed: DATE`, `reviewed_by:`

    @property
    def fields(self) -> tuple[str, str, str]:
        """The field names of (updated, reviewed, pending) as the handout spells them."""
        return ("reviewed", "reviewed", "reviewed_by") if self.old else \
            ("updated", "reviewed.date", "reviewed")


def dates_of(proc) -> ReviewDates:
    if proc.old_review_fields:
        at = proc.pos_of("reviewed.date")
        return ReviewDates(proc.updated, proc.reviewed, at, at, proc.pos_of("reviewed.by"),
                           old=True)
    updated_at = proc.pos_of("updated")
    return ReviewDates(proc.updated, proc.reviewed, updated_at,
                       proc.pos_of("reviewed.date"), updated_at)


def check(proc, clinic, today: dt.date) -> list[Finding]:
    out = check_dates(dates_of(proc), clinic.review_months, today)
    if proc.old_review_fields:
        out.append(_old_fields(proc))
    return out


def _old_fields(proc) -> Finding:
    day = proc.updated.isoformat()
    if proc.pending_review:
        how = (f"`reviewed: {day}` with an empty `reviewed_by:` is the old way to say when the "
               f"text was written: write `updated: {day}` in place of both")
    else:
        how = (f"the old `reviewed:` and `reviewed_by:` say who reviewed it, not in what role, "
               f"so its PDFs say 'Reviewed' without by whom: write `updated: {day}` and "
               f"`reviewed:` with `date: {day}`, `by: {proc.reviewed_by}` and `role:` in each "
               f"language")
    return finding(proc.pos_of("reviewed.date"), "reviewed", how, "old-review-fields")


def check_dates(dates: ReviewDates, months: int, today: dt.date) -> list[Finding]:
    """The review findings from the dates alone (a build re-judges unchanged handouts so).

    A reviewed handout falls due `months` after its review. A handout no clinician has
    reviewed is pending (a warning, which the sample waives), and every page of it says
    "Pending clinical review"; but only for its first interval: `months` after it was
    last updated, its first review is overdue, an error no waiver hides.
    """
    updated_field, reviewed_field, pending_field = dates.fields
    reviewed = dates.reviewed
    future = []
    if dates.updated > today and not (dates.old and reviewed is not None):  # (one date)
        future.append(finding(
            dates.updated_at, updated_field,
            f"{'reviewed' if dates.old else 'updated'} date {dates.updated} is in the future",
            "review-future", None if dates.old else "`updated:` is the date the text was "
                                                    "last edited"))
    if reviewed is not None and reviewed > today:
        future.append(finding(dates.reviewed_at, reviewed_field,
                              f"reviewed date {reviewed} is in the future", "review-future"))
    due = add_months(dates.updated if reviewed is None else reviewed, months)
    days = (due - today).days
    interval = f"the clinic reviews every {months} months (clinic.yaml review_months)"
    if reviewed is None:
        pending = finding(dates.pending_at, pending_field,
                          f"no clinician has reviewed this handout: its PDFs say 'Pending "
                          f"clinical review' (first review due by {due})", "pending-review")
        if future:  # nothing falls due from a date in the future
            return [*future, pending]
        if days < 0:  # no longer "pending": the warning a waiver covers becomes an error
            return [finding(dates.updated_at, updated_field,
                            f"first clinical review overdue since {due}: no clinician has "
                            f"reviewed this handout since it was updated on {dates.updated}, "
                            f"and {interval}", "first-review-overdue")]
        if days <= DUE_SOON_DAYS:
            return [finding(dates.updated_at, updated_field,
                            f"first clinical review due on {due} (in {_days(days)}): updated "
                            f"{dates.updated}, never reviewed", "review-due"), pending]
        return [pending]
    if future:
        return future
    out = []
    if days < 0:
        out.append(finding(dates.reviewed_at, reviewed_field,
                           f"clinical review overdue since {due}: reviewed {reviewed}, and "
                           f"{interval}", "review-overdue"))
    elif days <= DUE_SOON_DAYS:
        out.append(finding(dates.reviewed_at, reviewed_field,
                           f"clinical review due on {due} (in {_days(days)})", "review-due"))
    if dates.updated > reviewed:
        out.append(finding(dates.updated_at, updated_field,
                           f"the text was updated on {dates.updated}, after its clinical "
                           f"review on {reviewed}: its PDFs say it was reviewed, and the "
                           f"reviewer has not seen this text", "edited-after-review"))
    return out


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"
