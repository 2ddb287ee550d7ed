"""The SOAP face of PartnerAPI: spyne declarations per group, the hostile-input guard, WSDL and endpoint."""

TNS = "http://buhphone.com/PartnerAPI"
SERVICE_NAME = "PartnerAPI"
