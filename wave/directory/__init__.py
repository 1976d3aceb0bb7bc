"""Colleagues: the staff directory with each person's workload light."""
