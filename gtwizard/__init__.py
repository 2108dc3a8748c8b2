"""gtwizard: connect a client product to a tenant's GT API, verify it live, rotate keys safely."""

__version__ = "0.1.0"
