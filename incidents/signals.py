"""What incidents announces to the rest of the project, which listens in its own ready().

`update_went_live` is sent with `update=` inside the transaction that makes an update
public (posted now, or a draft or scheduled post released), after its effects are
applied: receivers write their own rows (the followers' outbox) in that transaction,
so they commit, or roll back, with it.
"""

from django.dispatch import Signal

update_went_live = Signal()
