"""Mail transport: SMTP/LMTP receiving (``inbound``), sending (``outbound``) and the DNS both use."""
