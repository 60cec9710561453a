"""Tasks of the events: the fan-out of an event to its followers, the batched mails."""
