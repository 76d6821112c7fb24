"""Models of the shape of the live Django system's tenancy tables."""
from django.contrib.auth.models import AbstractUser
from django.db import models


class Plan(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(unique=True)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    included_credits = models.IntegerField(default=0)
    max_sites = models.IntegerField(default=1)
    max_users = models.IntegerField(default=1)
    max_sectors = models.IntegerField(default=5)
    is_active = models.BooleanField(default=True)
    features = models.JSONField(default=list)


class Account(models.Model):
    name = models.CharField(max_length=255)
    slug = models.SlugField(unique=True)
    owner = models.ForeignKey('legacy.User', on_delete=models.PROTECT, related_name='owned_accounts')
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name='accounts')
    credits = models.IntegerField(default=0)
    status = models.CharField(max_length=20, default='trial')
    trial_ends_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    deleted_at = models.DateTimeField(null=True, blank=True)


class User(AbstractUser):
    email = models.EmailField(unique=True)
    role = models.CharField(max_length=20, default='owner')
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.CASCADE, related_name='users')
    deleted_at = models.DateTimeField(null=True, blank=True)


class Industry(models.Model):
    name = models.CharField(max_length=255)
    slug = models.SlugField(unique=True)
    is_active = models.BooleanField(default=True)


class IndustrySector(models.Model):
    industry = models.ForeignKey(Industry, on_delete=models.CASCADE, related_name='sectors')
    name = models.CharField(max_length=255)
    slug = models.SlugField()
    is_active = models.BooleanField(default=True)


class Site(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, db_column='tenant_id')
    name = models.CharField(max_length=255)
    slug = models.SlugField()
    domain = models.CharField(max_length=255, blank=True)
    industry = models.ForeignKey(Industry, null=True, on_delete=models.SET_NULL)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        unique_together = (('account', 'slug'),)


class Sector(models.Model):
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name='sectors')
    account = models.ForeignKey(Account, on_delete=models.CASCADE, db_column='tenant_id')
    industry_sector = models.ForeignKey(IndustrySector, null=True, on_delete=models.SET_NULL)
    name = models.CharField(max_length=255)
    slug = models.SlugField()
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    deleted_at = models.DateTimeField(null=True, blank=True)


class SiteUserAccess(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name='site_access')
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name='user_access')
    granted_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name='+')
    granted_at = models.DateTimeField()


class CreditTransaction(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, db_column='tenant_id')
    transaction_type = models.CharField(max_length=20)
    amount = models.IntegerField()
    balance_after = models.IntegerField()
    description = models.CharField(max_length=255, blank=True)
    metadata = models.JSONField(default=dict)
    created_at = models.DateTimeField()


class CreditUsageLog(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, db_column='tenant_id')
    site = models.ForeignKey(Site, null=True, on_delete=models.SET_NULL)
    operation_type = models.CharField(max_length=50)
    credits_used = models.IntegerField()
    model_used = models.CharField(max_length=100, blank=True)
    tokens_input = models.IntegerField(default=0)
    tokens_output = models.IntegerField(default=0)
    created_at = models.DateTimeField()
