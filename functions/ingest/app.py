"""Lambda function fed by the statistics queue (SQS): stores the platforms' records; the work is in the shared layer."""

from partnerapi.handlers import IngestHandler

handler = IngestHandler()
