"""Housekeeping: the change log's purge mark (``vacancy_change_purge``), so an index
that fell behind a purge knows to reload instead of following the log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the purge mark."""
    op.create_table(
        "vacancy_change_purge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purged_through", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    """Drop the purge mark."""
    op.drop_table("vacancy_change_purge")
