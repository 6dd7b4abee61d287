"""The schema of release 1.3.0: every table as ``SQLModel.metadata.create_all`` made it
before migrations existed. A store made by 1.3.0 or before is stamped with this revision
(``ontology.schema``), then upgraded like any other.

Revision ID: 0001
Revises:
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create every table of release 1.3.0."""
    op.create_table(
        "taxonomy_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("taxonomy", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=2000), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("taxonomy", "version"),
    )
    op.create_table(
        "vacancy",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("region", sa.String(length=64), nullable=True),
        sa.Column("postcode", sa.String(length=8), nullable=True),
        sa.Column("city", sa.String(length=120), nullable=True),
        sa.Column("employer", sa.String(length=300), nullable=True),
        sa.Column("posted", sa.Date(), nullable=True),
        sa.Column("expires", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("vacancy", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vacancy_expires"), ["expires"], unique=False)
        batch_op.create_index(batch_op.f("ix_vacancy_region"), ["region"], unique=False)

    op.create_table(
        "vacancy_change",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    with op.batch_alter_table("vacancy_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vacancy_change_number"), ["number"], unique=False)

    op.create_table(
        "concept",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uri", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("short_id", sa.String(length=120), nullable=False),
        sa.Column("taxonomy_version_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("replaced_by", sa.String(length=300), nullable=True),
        sa.Column("skill_type", sa.String(length=32), nullable=True),
        sa.Column("reuse_level", sa.String(length=32), nullable=True),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("isco_group", sa.String(length=8), nullable=True),
        sa.Column("modified", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["taxonomy_version_id"],
            ["taxonomy_version.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "short_id"),
        sa.UniqueConstraint("uri"),
    )
    with op.batch_alter_table("concept", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_concept_isco_group"), ["isco_group"], unique=False)
        batch_op.create_index("ix_concept_kind_status", ["kind", "status"], unique=False)

    op.create_table(
        "vacancy_entry",
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("vacancy_id", sa.String(length=120), nullable=False),
        sa.Column("embedder", sa.String(length=300), nullable=False),
        sa.Column("snapshot", sa.String(length=64), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("occupations", sa.Text(), nullable=False),
        sa.Column("skills", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["vacancy_id"], ["vacancy.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("number"),
        sa.UniqueConstraint("vacancy_id"),
    )
    op.create_table(
        "broader",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("concept_id", sa.Integer(), nullable=False),
        sa.Column("broader_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["broader_id"],
            ["concept.id"],
        ),
        sa.ForeignKeyConstraint(
            ["concept_id"],
            ["concept.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("concept_id", "broader_id"),
    )
    with op.batch_alter_table("broader", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_broader_broader_id"), ["broader_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_broader_concept_id"), ["concept_id"], unique=False)

    op.create_table(
        "certificate",
        sa.Column("concept_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("hours", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=200), nullable=True),
        sa.Column("qualification_crebo", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["concept_id"],
            ["concept.id"],
        ),
        sa.PrimaryKeyConstraint("concept_id"),
    )
    op.create_table(
        "description",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("concept_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("taxonomy_version_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["concept_id"],
            ["concept.id"],
        ),
        sa.ForeignKeyConstraint(
            ["taxonomy_version_id"],
            ["taxonomy_version.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("concept_id", "language"),
    )
    op.create_table(
        "label",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("concept_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.String(length=1000), nullable=False),
        sa.Column("taxonomy_version_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["concept_id"],
            ["concept.id"],
        ),
        sa.ForeignKeyConstraint(
            ["taxonomy_version_id"],
            ["taxonomy_version.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("concept_id", "language", "kind", "text"),
    )
    with op.batch_alter_table("label", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_label_concept_id"), ["concept_id"], unique=False)
        batch_op.create_index("ix_label_language_kind", ["language", "kind"], unique=False)

    op.create_table(
        "occupation_skill",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occupation_id", sa.Integer(), nullable=False),
        sa.Column("skill_id", sa.Integer(), nullable=False),
        sa.Column("relation_type", sa.String(length=16), nullable=False),
        sa.Column("importance", sa.String(length=16), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("taxonomy_version_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["occupation_id"],
            ["concept.id"],
        ),
        sa.ForeignKeyConstraint(
            ["skill_id"],
            ["concept.id"],
        ),
        sa.ForeignKeyConstraint(
            ["taxonomy_version_id"],
            ["taxonomy_version.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("occupation_id", "skill_id"),
    )
    with op.batch_alter_table("occupation_skill", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_occupation_skill_occupation_id"), ["occupation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_occupation_skill_skill_id"), ["skill_id"], unique=False
        )

    op.create_table(
        "qualification",
        sa.Column("concept_id", sa.Integer(), nullable=False),
        sa.Column("crebo", sa.String(length=16), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("domain", sa.String(length=200), nullable=False),
        sa.Column("domain_code", sa.String(length=16), nullable=True),
        sa.Column("dossier_crebo", sa.String(length=16), nullable=True),
        sa.Column("dossier", sa.String(length=300), nullable=True),
        sa.Column("programme_type", sa.String(length=64), nullable=True),
        sa.Column("requirements", sa.String(length=300), nullable=True),
        sa.Column("leerweg", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["concept_id"],
            ["concept.id"],
        ),
        sa.PrimaryKeyConstraint("concept_id"),
        sa.UniqueConstraint("crebo"),
    )
    op.create_table(
        "scheme_membership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("concept_id", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["concept_id"],
            ["concept.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("concept_id", "scheme"),
    )
    with op.batch_alter_table("scheme_membership", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scheme_membership_concept_id"), ["concept_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_scheme_membership_scheme"), ["scheme"], unique=False)

    op.create_table(
        "skill_skill",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("skill_id", sa.Integer(), nullable=False),
        sa.Column("related_skill_id", sa.Integer(), nullable=False),
        sa.Column("relation_type", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["related_skill_id"],
            ["concept.id"],
        ),
        sa.ForeignKeyConstraint(
            ["skill_id"],
            ["concept.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("skill_id", "related_skill_id"),
    )
    with op.batch_alter_table("skill_skill", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_skill_skill_skill_id"), ["skill_id"], unique=False)

    op.create_table(
        "training_skill",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("training_id", sa.Integer(), nullable=False),
        sa.Column("skill_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["skill_id"],
            ["concept.id"],
        ),
        sa.ForeignKeyConstraint(
            ["training_id"],
            ["concept.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("training_id", "skill_id"),
    )
    with op.batch_alter_table("training_skill", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_training_skill_skill_id"), ["skill_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_training_skill_training_id"), ["training_id"], unique=False
        )


def downgrade() -> None:
    """Drop every table (an empty database)."""
    with op.batch_alter_table("training_skill", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_skill_training_id"))
        batch_op.drop_index(batch_op.f("ix_training_skill_skill_id"))

    op.drop_table("training_skill")
    with op.batch_alter_table("skill_skill", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_skill_skill_skill_id"))

    op.drop_table("skill_skill")
    with op.batch_alter_table("scheme_membership", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scheme_membership_scheme"))
        batch_op.drop_index(batch_op.f("ix_scheme_membership_concept_id"))

    op.drop_table("scheme_membership")
    op.drop_table("qualification")
    with op.batch_alter_table("occupation_skill", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_occupation_skill_skill_id"))
        batch_op.drop_index(batch_op.f("ix_occupation_skill_occupation_id"))

    op.drop_table("occupation_skill")
    with op.batch_alter_table("label", schema=None) as batch_op:
        batch_op.drop_index("ix_label_language_kind")
        batch_op.drop_index(batch_op.f("ix_label_concept_id"))

    op.drop_table("label")
    op.drop_table("description")
    op.drop_table("certificate")
    with op.batch_alter_table("broader", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_broader_concept_id"))
        batch_op.drop_index(batch_op.f("ix_broader_broader_id"))

    op.drop_table("broader")
    op.drop_table("vacancy_entry")
    with op.batch_alter_table("concept", schema=None) as batch_op:
        batch_op.drop_index("ix_concept_kind_status")
        batch_op.drop_index(batch_op.f("ix_concept_isco_group"))

    op.drop_table("concept")
    with op.batch_alter_table("vacancy_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vacancy_change_number"))

    op.drop_table("vacancy_change")
    with op.batch_alter_table("vacancy", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vacancy_region"))
        batch_op.drop_index(batch_op.f("ix_vacancy_expires"))

    op.drop_table("vacancy")
    op.drop_table("taxonomy_version")
