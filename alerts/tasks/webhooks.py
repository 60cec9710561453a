"""Tasks of the webhooks: a delivery and its retries."""
