"""Cooperation partners (memorial sites, civic-education agencies, counselling centres …), their offers, and schools'
requests for an offer."""
