# frozen_string_literal: true

# One resource per managed audit rule set: audit rules are order-dependent,
# so the whole ordered set (files or rules.d directories) is one resource.
Puppet::Type.newtype(:kaudit_ruleset) do
  @doc = <<-DOC
    @summary Makes the kernel's Linux audit rules match rules files, with kaudit sync.

    The kernel is compared with the files (`kaudit check`); when they differ,
    `kaudit sync` changes only what differs: kept rules are never removed (no
    unaudited gap), a rule the kernel refuses rolls everything back, and the
    run fails naming the file, line and reason. `puppet apply --noop` reports
    the drift and changes nothing.

    @example
      kaudit_ruleset { 'baseline':
        ensure => synced,
        source => ['/etc/audit/rules.d'],
        scope  => 'cis-',
      }
  DOC

  newparam(:name, namevar: true) do
    desc 'A name for the rule set.'
  end

  newproperty(:ensure) do
    desc 'synced: the kernel holds exactly the rules and settings of the source files (within scope).'
    newvalue(:synced) do
      provider.sync
    end
    defaultto :synced

    def retrieve
      provider.state
    end

    def insync?(is)
      is.to_s == 'synced'
    end

    def change_to_s(current, desired)
      "#{provider.drift_summary} (was #{current}, should be #{desired})"
    end
  end

  newparam(:source) do
    desc 'Rules files or rules.d directories (their *.rules files in natural order), auditctl syntax.'
    validate do |value|
      Array(value).each do |path|
        raise ArgumentError, "source must be absolute paths, not #{path.inspect}" unless path.is_a?(String) && path.start_with?('/')
      end
    end
    munge { |value| Array(value) }
  end

  newparam(:scope) do
    desc 'Manage only rules whose key starts with this prefix (kaudit --scope key=PREFIX); other rules stay where they are.'
    validate do |value|
      raise ArgumentError, 'scope must be a non-empty key prefix' unless value.is_a?(String) && !value.empty?
    end
  end

  newparam(:kaudit) do
    desc 'Path of the kaudit binary.'
    defaultto '/usr/local/sbin/kaudit'
  end

  validate do
    raise Puppet::Error, 'kaudit_ruleset needs source' if self[:source].nil? || self[:source].empty?
  end
end
