"""Who may do what: scopes, roles, authentication, the second factor, sessions."""
