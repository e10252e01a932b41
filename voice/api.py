"""No API yet: suggestions and demands come in through the public forms and the portal,
and staff handle them in the admin. (config/urls.py imports every app's api module.)"""
