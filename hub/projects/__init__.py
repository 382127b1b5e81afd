"""Projects and milestones: planned work for a customer, its progress and billing terms.

Core domain (not a plugin): tasks hang under milestones through ``Task.milestone_id``;
the billing plugin reads projects and milestones to invoice them.
"""
