"""The accelfleet API: pydantic models of the three custom resources, the CRDs made from them, and
the built-in card catalog. Everything else imports its names from here."""
