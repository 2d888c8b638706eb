"""What to post and when, and delivering it through the outbox."""
