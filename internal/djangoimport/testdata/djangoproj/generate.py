#!/usr/bin/python3
"""Builds a small Django system shaped like the live one and dumps it.

Usage: /usr/bin/python3 generate.py DUMP.json PASSWORDS.json
       /usr/bin/python3 generate.py --text-rules DUMP.json PASSWORDS.json

The second form makes instead a few rows whose text igny8's API would
refuse (a NUL, tabs and line breaks in names, names of nothing but
invisible characters, names longer than igny8's 100 characters), as
Django's ORM stores them: the import cleans them and reports it.

It creates a fresh SQLite database in a temporary folder, makes the data
with Django's ORM and its own password hashers, and writes
`manage.py dumpdata --all --indent 2` to DUMP.json and each user's plain
password to PASSWORDS.json. The data is the same on every run except for
the random salts of the password hashes. Needs Debian's python3-django,
python3-argon2 and python3-bcrypt.
"""
import datetime
import json
import os
import random
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def setup(db_path):
    import django
    from django.conf import settings
    settings.configure(
        INSTALLED_APPS=['django.contrib.contenttypes', 'django.contrib.auth', 'legacy'],
        DATABASES={'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': db_path}},
        AUTH_USER_MODEL='legacy.User',
        USE_TZ=True,
        TIME_ZONE='UTC',
        DEFAULT_AUTO_FIELD='django.db.models.AutoField',
        PASSWORD_HASHERS=[
            'django.contrib.auth.hashers.PBKDF2PasswordHasher',
            'django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher',
            'django.contrib.auth.hashers.Argon2PasswordHasher',
            'django.contrib.auth.hashers.BCryptSHA256PasswordHasher',
            'django.contrib.auth.hashers.BCryptPasswordHasher',
        ],
    )
    django.setup()
    from django.core.management import call_command
    call_command('migrate', run_syncdb=True, verbosity=0)


BASE = datetime.datetime(2025, 6, 2, 9, 0, tzinfo=datetime.timezone.utc)


def at(days, minutes=0):
    return BASE + datetime.timedelta(days=days, minutes=minutes)


PLANS = [  # slug, name, price, credits, sites, users, sectors
    ('free', 'Free Plan', '0.00', 100, 1, 1, 3),
    ('starter', 'Starter', '89.00', 1000, 1, 2, 5),
    ('growth', 'Growth', '139.00', 2000, 3, 3, 5),
    ('scale', 'Scale', '229.00', 4000, 5, 5, 5),
    ('enterprise', 'Enterprise', '0.00', 10000, 20, 10000, 10),
]

# email, password, hasher ('' for unusable), role, account slug, plan, status, credits
USERS = [
    ('dev@igny8.example', 'developer-pass-1', 'default', 'developer', 'igny8-internal', 'enterprise', 'active', 8000),
    ('Maria.Lopez@Example.com', 'maria-secret-22', 'default', 'owner', 'lopez-media', 'enterprise', 'active', 5210),
    ('chen@greenleaf.example', 'chen-greenleaf-3', 'pbkdf2_sha1', 'owner', 'greenleaf', 'enterprise', 'active', 2400),
    ('ana@bakery.example', 'ana-bakes-bread', 'argon2', 'owner', 'ana-bakery', 'enterprise', 'trial', 640),
    ('omar@travel.example', 'omar-travels-far', 'bcrypt_sha256', 'owner', 'omar-travel', 'growth', 'trial', 1000),
    ('lena@fit.example', 'lena-fit-and-well', 'default', 'owner', 'lena-fit', 'starter', 'trial', 0),
    ('raj@petcare.example', '', '', 'owner', 'raj-petcare', 'scale', 'trial', 3000),
    ('sam@solo.example', 'sam-solo-writer', 'bcrypt', 'owner', 'sam-solo', 'free', 'trial', 100),
]

INDUSTRIES = {
    'technology': ('Technology', [('software', 'Software'), ('saas', 'SaaS'), ('hardware', 'Hardware')]),
    'food-drink': ('Food & Drink', [('bakeries', 'Bakeries'), ('restaurants', 'Restaurants')]),
    'pet-care': ('Pet Care', [('grooming', 'Grooming'), ('veterinary', 'Veterinary'), ('pet-food', 'Pet Food'),
                              ('training', 'Training'), ('boarding', 'Boarding')]),
}

# account slug, site slug, name, domain, industry, sector slugs, deleted
SITES = [
    ('lopez-media', 'lopez-blog', 'Lopez Media Blog', 'lopezmedia.example', 'technology', ['software', 'saas'], False),
    ('greenleaf', 'greenleaf-shop', 'Greenleaf Shop', 'greenleaf.example', 'food-drink', ['restaurants'], False),
    ('ana-bakery', 'ana-bakery', 'Ana Bakery', 'anabakery.example', 'food-drink', ['bakeries', 'restaurants'], False),
    ('raj-petcare', 'raj-pets', 'Raj Pet Care', 'rajpets.example', 'pet-care',
     ['grooming', 'veterinary', 'pet-food', 'training', 'boarding'], False),
    ('lopez-media', 'lopez-old', 'Lopez Old Site', 'old.lopezmedia.example', 'technology', ['hardware'], True),
]


def make(dump_path, passwords_path):
    from django.contrib.auth.hashers import make_password
    from legacy import models as m
    rng = random.Random(16)
    plans = {}
    for slug, name, price, credits, sites, users, sectors in PLANS:
        plans[slug] = m.Plan.objects.create(name=name, slug=slug, price=price, included_credits=credits,
                                            max_sites=sites, max_users=users, max_sectors=sectors,
                                            features=['ai_content', 'keywords'] if slug != 'free' else [])
    passwords = {}
    accounts = {}
    users = {}
    for i, (email, pw, hasher, role, acct, plan, status, credits) in enumerate(USERS):
        first, _, last = email.split('@')[0].replace('.', ' ').title().partition(' ')
        u = m.User(username=email.split('@')[0].lower(), email=email, first_name=first, last_name=last,
                   role=role, date_joined=at(i * 3), last_login=at(100 + i) if i % 2 == 0 else None)
        if hasher == '':
            u.set_unusable_password()
        elif hasher == 'default':
            u.password = make_password(pw)
        else:
            u.password = make_password(pw, hasher=hasher)
        u.save()
        passwords[email] = pw
        users[email] = u
        a = m.Account.objects.create(
            name=acct.replace('-', ' ').title(), slug=acct, owner=u, plan=plans[plan], credits=credits, status=status,
            trial_ends_at=at(120 + i) if status == 'trial' else None, created_at=at(i * 3), updated_at=at(90 + i))
        u.account = a
        u.save()
        accounts[acct] = a
    industries, isectors = {}, {}
    for slug, (name, sectors) in INDUSTRIES.items():
        ind = m.Industry.objects.create(name=name, slug=slug)
        industries[slug] = ind
        for sslug, sname in sectors:
            isectors[(slug, sslug)] = m.IndustrySector.objects.create(industry=ind, name=sname, slug=sslug)
    sites = []
    for n, (acct, slug, name, domain, ind, sectors, deleted) in enumerate(SITES):
        site = m.Site.objects.create(account=accounts[acct], name=name, slug=slug, domain=domain,
                                     industry=industries[ind], created_at=at(10 + n),
                                     deleted_at=at(95) if deleted else None)
        sites.append(site)
        for k, sslug in enumerate(sectors):
            sec = isectors[(ind, sslug)]
            # One sector of a live site was removed on its own, too.
            gone = deleted or (slug == 'raj-pets' and sslug == 'boarding')
            m.Sector.objects.create(site=site, account=accounts[acct], industry_sector=sec, name=sec.name,
                                    slug=sslug, created_at=at(11 + n, k), deleted_at=at(96) if gone else None)
        owner = accounts[acct].owner
        m.SiteUserAccess.objects.create(user=owner, site=site, granted_by=owner, granted_at=at(10 + n, 5))
    # The developer was given access to a customer's site for support.
    m.SiteUserAccess.objects.create(user=users['dev@igny8.example'], site=sites[0],
                                    granted_by=users['dev@igny8.example'], granted_at=at(20))
    make_ledgers(m, rng, accounts, sites)
    with open(passwords_path, 'w') as f:
        json.dump(passwords, f, indent=2, sort_keys=True)
        f.write('\n')
    from django.core.management import call_command
    call_command('dumpdata', all=True, indent=2, output=dump_path, verbosity=0)


# Accounts whose Django transactions do not add up to their stored credits
# (the live system changed credits outside its ledger at times).
DRIFT = {'greenleaf': 150, 'raj-petcare': -200, 'igny8-internal': 500}


def make_ledgers(m, rng, accounts, sites):
    site_of = {s.account_id: s for s in sites if s.deleted_at is None}
    for n, a in enumerate(accounts.values()):
        target = a.credits - DRIFT.get(a.slug, 0)
        entries = []  # (type, amount, description)
        grant = 'subscription' if a.status == 'active' else 'trial'
        first = max(target, a.plan.included_credits)
        entries.append((grant, first, 'Initial credits'))
        balance = first
        ops = 50 if a.slug in ('lopez-media', 'igny8-internal', 'greenleaf', 'ana-bakery') else 28
        if a.slug in ('sam-solo', 'lena-fit'):
            ops = 15
        for k in range(ops):
            if balance - target > 0 and rng.random() < 0.85:
                cost = min(balance - target, rng.choice([5, 10, 15, 20, 25, 40]))
                entries.append(('deduction', -cost, 'AI operation'))
                balance -= cost
            elif k % 9 == 4:
                entries.append(('purchase', 500, 'Credit pack'))
                balance += 500
            elif k % 13 == 6 and balance >= 10:
                entries.append(('refund', 10, 'Refund of a failed generation'))
                balance += 10
            else:
                entries.append(('adjustment', -min(balance, 5), 'Manual correction')) if balance >= 5 else None
                balance -= min(balance, 5) if balance >= 5 else 0
        if balance != target:
            entries.append(('adjustment', target - balance, 'Balance correction'))
            balance = target
        running = 0
        for k, (kind, amount, desc) in enumerate(entries):
            if amount == 0:
                continue
            running += amount
            when = at(30 + n, k * 7)
            m.CreditTransaction.objects.create(account=a, transaction_type=kind, amount=amount,
                                               balance_after=running, description=desc,
                                               metadata={'source': 'seed'}, created_at=when)
            if kind == 'deduction':
                m.CreditUsageLog.objects.create(account=a, site=site_of.get(a.id), operation_type=rng.choice(
                    ['clustering', 'ideas', 'content', 'images']), credits_used=-amount, model_used='gpt-4o-mini',
                    tokens_input=rng.randint(100, 4000), tokens_output=rng.randint(100, 2000), created_at=when)


def make_text_rules(dump_path, passwords_path):
    """Rows whose text breaks igny8's rules (see the usage above)."""
    from django.contrib.auth.hashers import make_password
    from legacy import models as m
    plan = m.Plan.objects.create(name='Text\tPlan', slug='text-plan', price='10.00', included_credits=100,
                                 max_sites=2, max_users=3, max_sectors=5, features=['ai\x00content', 'keywords'])
    ind = m.Industry.objects.create(name='\u200b\u2060', slug='text-industry')
    isec = m.IndustrySector.objects.create(industry=ind, name='Sector ' + 'x' * 120, slug='text-sector')
    owner = m.User(username='nina', email='nina@text.example', first_name='Ni\x00na', last_name='Ross\t',
                   role='owner', date_joined=at(1))
    owner.password = make_password('nina-text-pass')
    owner.save()
    quiet = m.User(username='quiet', email='quiet@text.example', first_name='\u200b', last_name='',
                   role='editor', date_joined=at(2))
    quiet.password = make_password('quiet-text-pass')
    quiet.save()
    acct = m.Account.objects.create(name='Tab\tand\nLine Co', slug='tab-co', owner=owner, plan=plan, credits=100,
                                    status='active', created_at=at(1), updated_at=at(2))
    for u in (owner, quiet):
        u.account = acct
        u.save()
    site = m.Site.objects.create(account=acct, name='\u200b\u200d', slug='text-site', domain='text.example',
                                 industry=ind, created_at=at(3))
    m.Sector.objects.create(site=site, account=acct, industry_sector=isec, name='Bad\x00Sector', slug='bad-sector',
                            created_at=at(4))
    m.Sector.objects.create(site=site, account=acct, industry_sector=isec, name='S' * 150, slug='long-sector',
                            created_at=at(4, 1))
    m.CreditTransaction.objects.create(account=acct, transaction_type='subscription', amount=100, balance_after=100,
                                       description='Welcome\x00 credits', metadata={}, created_at=at(5))
    with open(passwords_path, 'w') as f:
        json.dump({'nina@text.example': 'nina-text-pass', 'quiet@text.example': 'quiet-text-pass'}, f, indent=2,
                  sort_keys=True)
        f.write('\n')
    from django.core.management import call_command
    call_command('dumpdata', all=True, indent=2, output=dump_path, verbosity=0)


if __name__ == '__main__':
    args = sys.argv[1:]
    build = make
    if args[:1] == ['--text-rules']:
        args, build = args[1:], make_text_rules
    if len(args) != 2:
        sys.exit(__doc__)
    with tempfile.TemporaryDirectory() as tmp:
        setup(os.path.join(tmp, 'django.sqlite3'))
        build(os.path.abspath(args[0]), os.path.abspath(args[1]))
