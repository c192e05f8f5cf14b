# The rules.d directory kaudit loads at boot, kept in sync on every run.
kaudit_ruleset { 'baseline':
  ensure => synced,
  source => ['/etc/audit/rules.d'],
}
