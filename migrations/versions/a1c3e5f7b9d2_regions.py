"""regions: many regional offices in one installation; an existing installation becomes its first region

Revision ID: a1c3e5f7b9d2
Revises: f4a2b8c6d0e1
Create Date: 2026-12-02 12:00:00.000000

"""
import os
import re
import unicodedata
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1c3e5f7b9d2'
down_revision = 'f4a2b8c6d0e1'
branch_labels = None
depends_on = None

# The Kreis Soest municipalities, as the settings' default named them before regions existed.
SOEST = (
    'Anröchte', 'Bad Sassendorf', 'Ense', 'Erwitte', 'Geseke', 'Lippetal', 'Lippstadt', 'Möhnesee', 'Rüthen',
    'Soest', 'Warstein', 'Welver', 'Werl', 'Wickede (Ruhr)',
)


# SQLite rebuilds a table to change it, which drops its triggers: the materials' full-text triggers come back after.
SQLITE_MATERIAL_TRIGGERS = [
    'CREATE TRIGGER IF NOT EXISTS materials_fts_insert AFTER INSERT ON materials BEGIN INSERT INTO materials_fts(rowid, title, tags, attribution, description) VALUES (new.id, new.title, new.tags, new.attribution, new.description); END',
    "CREATE TRIGGER IF NOT EXISTS materials_fts_delete AFTER DELETE ON materials BEGIN INSERT INTO materials_fts(materials_fts, rowid, title, tags, attribution, description) VALUES ('delete', old.id, old.title, old.tags, old.attribution, old.description); END",
    "CREATE TRIGGER IF NOT EXISTS materials_fts_update AFTER UPDATE OF title, tags, attribution, description ON materials BEGIN INSERT INTO materials_fts(materials_fts, rowid, title, tags, attribution, description) VALUES ('delete', old.id, old.title, old.tags, old.attribution, old.description); INSERT INTO materials_fts(rowid, title, tags, attribution, description) VALUES (new.id, new.title, new.tags, new.attribution, new.description); END",
    "INSERT INTO materials_fts(materials_fts) VALUES ('rebuild')",
]


def _restore_sqlite_triggers():
    if op.get_bind().dialect.name == 'sqlite':
        for statement in SQLITE_MATERIAL_TRIGGERS:
            op.execute(statement)


def _slug(text):
    for umlaut, spelled in (('ä', 'ae'), ('ö', 'oe'), ('ü', 'ue'), ('Ä', 'Ae'), ('Ö', 'Oe'), ('Ü', 'Ue'), ('ß', 'ss')):
        text = text.replace(umlaut, spelled)
    text = unicodedata.normalize('NFKD', text).encode('ascii', 'ignore').decode()
    return re.sub(r'[^a-z0-9]+', '-', text.lower()).strip('-') or 'region'


def upgrade():
    op.create_table(
        'regions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('slug', sa.String(length=80), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('area', sa.String(length=120), nullable=False),
        sa.Column('land', sa.String(length=2), nullable=False),
        sa.Column('contact_address', sa.String(length=500), nullable=False),
        sa.Column('contact_email', sa.String(length=254), nullable=True),
        sa.Column('contact_phone', sa.String(length=60), nullable=False),
        sa.Column('opening_hours', sa.String(length=300), nullable=False),
        sa.Column('introduction', sa.String(length=2000), nullable=False),
        sa.Column('contact_deadline', sa.String(length=5), nullable=True),
        sa.Column('reply_to_email', sa.String(length=254), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_regions')),
        sa.UniqueConstraint('slug', name=op.f('uq_regions_slug')),
    )
    op.create_index(op.f('ix_regions_land'), 'regions', ['land'], unique=False)
    op.create_table(
        'region_municipalities',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_region_municipalities_region_id_regions'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_region_municipalities')),
        sa.UniqueConstraint('name', name=op.f('uq_region_municipalities_name')),
    )
    op.create_index(op.f('ix_region_municipalities_region_id'), 'region_municipalities', ['region_id'], unique=False)
    op.create_table(
        'region_staff',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_region_staff_region_id_regions'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_region_staff_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_region_staff')),
        sa.UniqueConstraint('user_id', 'region_id', name='uq_region_staff_user_region'),
    )
    op.create_index(op.f('ix_region_staff_region_id'), 'region_staff', ['region_id'], unique=False)
    op.create_index(op.f('ix_region_staff_user_id'), 'region_staff', ['user_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('land', sa.String(length=2), nullable=True))
    for table in ('schools', 'materials'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('region_id', sa.Integer(), nullable=True))
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('region_id', sa.Integer(), nullable=True))
    for table in ('audit_entries', 'outbox_mails'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('region_id', sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{table}_region_id'), ['region_id'], unique=False)

    _first_region()

    for table in ('schools', 'materials'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('region_id', existing_type=sa.Integer(), nullable=False)
            batch_op.create_index(batch_op.f(f'ix_{table}_region_id'), ['region_id'], unique=False)
            batch_op.create_foreign_key(
                batch_op.f(f'fk_{table}_region_id_regions'), 'regions', ['region_id'], ['id'], ondelete='RESTRICT'
            )
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminders_region_id'), ['region_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_reminders_region_id_regions'), 'regions', ['region_id'], ['id'], ondelete='SET NULL'
        )
    _restore_sqlite_triggers()


def _first_region():
    """The installation becomes one region built from its settings, and everything it holds belongs there.

    The settings that named the one Kreis (COURAGE_HUB_KREIS, COURAGE_HUB_MUNICIPALITIES, COURAGE_HUB_LAND,
    KI_CONTACT_EMAIL) describe that first region, so a single-Kreis installation works exactly as before; a new
    installation starts the same way, and admins add regions beside it.
    """
    conn = op.get_bind()
    kreis = (os.environ.get('COURAGE_HUB_KREIS') or 'Kreis Soest').strip()
    configured = [n.strip() for n in os.environ.get('COURAGE_HUB_MUNICIPALITIES', '').split(',') if n.strip()]
    towns = set(configured or (SOEST if kreis == 'Kreis Soest' else ()))
    towns |= {row[0] for row in conn.execute(sa.text('SELECT DISTINCT municipality FROM schools')) if row[0]}
    now = datetime.now(timezone.utc)
    regions = sa.table(
        'regions', *(sa.column(name) for name in (
            'slug', 'name', 'area', 'land', 'contact_address', 'contact_email', 'contact_phone', 'opening_hours',
            'introduction', 'created_at', 'updated_at',
        ))
    )
    conn.execute(regions.insert().values(
        slug=_slug(kreis), name=f'KI {kreis}', area=kreis, land=(os.environ.get('COURAGE_HUB_LAND') or 'NW')[:2],
        contact_address='', contact_email=os.environ.get('KI_CONTACT_EMAIL') or None, contact_phone='',
        opening_hours='', introduction='', created_at=now, updated_at=now,
    ))
    region_id = conn.execute(sa.text('SELECT id FROM regions')).scalar_one()
    municipalities = sa.table('region_municipalities', sa.column('region_id'), sa.column('name'))
    if towns:
        conn.execute(municipalities.insert(), [{'region_id': region_id, 'name': name} for name in sorted(towns)])
    for table in ('schools', 'materials', 'reminders', 'outbox_mails'):
        conn.execute(sa.text(f'UPDATE {table} SET region_id = :region'), {'region': region_id})  # noqa: S608
    conn.execute(
        sa.text("UPDATE audit_entries SET region_id = :region WHERE object_type NOT IN ('users', 'regions')"),
        {'region': region_id},
    )
    staff = sa.table('region_staff', sa.column('user_id'), sa.column('region_id'), sa.column('created_at'))
    staff_ids = [row[0] for row in conn.execute(sa.text("SELECT id FROM users WHERE role = 'ki_staff'"))]
    if staff_ids:
        conn.execute(staff.insert(), [{'user_id': uid, 'region_id': region_id, 'created_at': now} for uid in staff_ids])


def downgrade():
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_reminders_region_id_regions'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_reminders_region_id'))
        batch_op.drop_column('region_id')
    for table in ('schools', 'materials'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_region_id_regions'), type_='foreignkey')
            batch_op.drop_index(batch_op.f(f'ix_{table}_region_id'))
            batch_op.drop_column('region_id')
    _restore_sqlite_triggers()
    for table in ('audit_entries', 'outbox_mails'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_region_id'))
            batch_op.drop_column('region_id')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('land')
    op.drop_index(op.f('ix_region_staff_user_id'), table_name='region_staff')
    op.drop_index(op.f('ix_region_staff_region_id'), table_name='region_staff')
    op.drop_table('region_staff')
    op.drop_index(op.f('ix_region_municipalities_region_id'), table_name='region_municipalities')
    op.drop_table('region_municipalities')
    op.drop_index(op.f('ix_regions_land'), table_name='regions')
    op.drop_table('regions')
