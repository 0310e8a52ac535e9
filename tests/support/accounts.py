"""The test suites' one account: the email and password every suite registers with by default."""

EMAIL = "buyer@example.com"
PASSWORD = "correct horse battery"  # passes Django's validators
