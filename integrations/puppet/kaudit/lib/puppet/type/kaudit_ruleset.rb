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

    The resource autorequires the File resources of its sources and of the
    files inside source directories, so rules files written by Puppet are in
    place before the kernel is synced.

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

    # :synced, or a String starting "drifted" that says what differs: no
    # notice, no change, nothing kept; the value itself is the account of
    # the drift (noop runs and reports show it as the current value).
    def retrieve
      provider.state
    end

    def insync?(is)
      is.to_s == 'synced'
    end

    def change_to_s(current, desired)
      "#{current} (should be #{desired})"
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
      prefix = value.is_a?(String) ? value.sub(%r{\Akey=}, '') : nil
      raise ArgumentError, 'scope must be a non-empty key prefix' if prefix.nil? || prefix.strip.empty?
    end
  end

  newparam(:kaudit) do
    desc 'Path of the kaudit binary. By default kaudit is searched in PATH, then /usr/sbin (the ' \
         'Debian package), /usr/local/sbin (scripts/install.sh) and /sbin.'
    validate do |value|
      raise ArgumentError, "kaudit must be an absolute path, not #{value.inspect}" unless value.is_a?(String) && value.start_with?('/')
    end
  end

  # The File resources that write the sources: a source itself, and any
  # file under a source directory (rules.d/50-x.rules).
  autorequire(:file) do
    sources = Array(self[:source]).map { |s| s.length > 1 ? s.chomp('/') : s }
    wanted = sources.dup
    wanted << self[:kaudit] if self[:kaudit]
    if catalog
      catalog.resources.each do |r|
        next unless r.type == :file
        path = r[:path] || r.title
        next unless path.is_a?(String)
        wanted << path if sources.any? { |s| path.start_with?(s == '/' ? s : "#{s}/") }
      end
    end
    wanted.uniq
  end

  validate do
    raise Puppet::Error, 'kaudit_ruleset needs source' if self[:source].nil? || self[:source].empty?
  end
end
