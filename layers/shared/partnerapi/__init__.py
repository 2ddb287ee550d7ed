"""PartnerAPI v1.20 shared layer: SOAP declarations, validation, ID resolution, logic and data access."""
