"""Meetings of the joint staff and the member states, their decisions and action items,
and the dated status of each action item, as Hoggar STIX objects under the same
releasability rule as every record."""
