"""Reports for managers and admins: what was done, how fast, what is overdue, where work comes
from. Every figure is computed by the database in a few grouped queries (figures.py).

The period is whole local days, from the first day's midnight to the midnight after the last
day, in the time zone of the chosen site, else of the first site (lowest id). "This month"
and "this year" run to the end of today; "last 12 months" is the 365 (366) days ending today.
The other filters (site, category — a group means all its items —, team, employee =
assignee, source) narrow the requests every figure looks at.

Definitions ("in the period" means the moment falls in the period):
- created: requests created in the period.
- completed: requests resolved (marked done) in the period; reopened work counts when it
  is done again.
- overdue now: open requests past the deadline they face now (response until answered,
  then resolution); on hold only when that deadline passed before the hold began. Ignores
  the period.
- response compliance: of requests created in the period with a response deadline, those
  answered by it, divided by those answered or past their deadline unanswered (a request
  cancelled unanswered counts only if its deadline passed before it was cancelled).
- resolution compliance: of requests completed in the period with a resolution deadline
  (which time on hold extends), those resolved by it, divided by all of them.
- reaction time: first response − creation, for requests created in the period and
  answered; resolution time: resolution − creation, for requests completed in the period.
  Wall-clock time. Median and 90th percentile interpolate like PostgreSQL's percentile_cont.
- labor hours: minutes of the labor entries made in the period on matching requests. Each
  entry belongs to the person the request was assigned to when it was made (older entries,
  made before Wave kept that, to the request's assignee at the upgrade); the employee
  filter goes by that person.
- average rating: of requests completed in the period that were rated.
- reopen rate: requests completed in the period that were ever reopened / completed.
- initiative: requests completed in the period that a staff member entered and was also
  the assignee of (created_by = assignee).
- backlog: open requests now by age (now − creation): under 1 day, 1–3, 3–7, 7–30 days,
  30 days and more. Ignores the period.
- scorecard: the figures above per assignee (the request's assignee now; labor by the
  entry's person, so work done before a request was handed on stays with whoever did it).
- hot spots: locations and assets with the most requests created in the period (top 20);
  repeat failures: requests created in the period at the same asset (else location) and of
  the same category as an earlier one at most 30 days before (top 20 places). The earlier
  request is any request there, whether or not it matches the filters (team, employee,
  source): the same place and category are what make a repeat failure.
"""
