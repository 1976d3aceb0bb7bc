"""Archive search for staff: requests by number, date, place, requester, assignee, status and
the words of their description and discussion."""
