"""Sales notes: who is named in them, and what stance the sentence gives them."""
