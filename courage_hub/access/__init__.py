"""Who may do what: the access policy, one module above all domains (it judges their objects)."""
