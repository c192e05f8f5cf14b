# frozen_string_literal: true

require 'json'
require 'open3'

Puppet::Type.type(:kaudit_ruleset).provide(:kaudit) do
  desc 'Compares with `kaudit check --json` and changes with `kaudit sync --json`.'

  confine kernel: 'Linux'

  # Where kaudit is looked for after PATH: the Debian package installs
  # /usr/sbin/kaudit, scripts/install.sh /usr/local/sbin/kaudit.
  # (Constants through const_set: a plain assignment in this block would
  # define them on Object.)
  const_set(:SEARCH_DIRS, ['/usr/sbin', '/usr/local/sbin', '/sbin'].freeze)
  const_set(:CHECK_KEYS, ['in_sync', 'adds', 'deletes', 'kept', 'settings'].freeze)
  const_set(:PLAN_KEYS, ['in_sync', 'kept', 'plan', 'settings'].freeze)

  # The kaudit binary: the resource's kaudit, or the first executable
  # kaudit in PATH, then in SEARCH_DIRS; an error names where it looked.
  def binary
    given = resource[:kaudit]
    return given if given
    dirs = (ENV['PATH'] || '').split(File::PATH_SEPARATOR).reject(&:empty?)
    search = self.class::SEARCH_DIRS
    dirs += search.reject { |d| dirs.include?(d) }
    dirs.each do |dir|
      path = File.join(dir, 'kaudit')
      return path if File.file?(path) && File.executable?(path)
    end
    raise Puppet::Error, "kaudit binary not found: looked in #{dirs.join(', ')} (PATH, then " \
                         "#{search.join(', ')}); install kaudit or set the kaudit parameter"
  end

  def kaudit_args
    scope = resource[:scope]
    args = scope ? ['--scope', scope.start_with?('key=') ? scope : "key=#{scope}"] : []
    args + Array(resource[:source])
  end

  def run(*args)
    bin = binary
    out, err, status = Open3.capture3(bin, *args)
    [out, err.strip, status.exitstatus]
  rescue SystemCallError => e
    raise Puppet::Error, "cannot run kaudit binary #{bin}: #{e.message}"
  end

  # kaudit's one-line JSON object, with the keys given; anything else is an
  # error that says what ran and what it printed.
  def parse(out, what, keys)
    raise Puppet::Error, "#{what} printed nothing, not kaudit's JSON; is #{binary} kaudit?" if out.strip.empty?
    begin
      value = JSON.parse(out)
    rescue JSON::ParserError
      value = nil
    end
    unless value.is_a?(Hash)
      raise Puppet::Error, "#{what} printed #{out[0, 200].inspect}, not kaudit's JSON; is #{binary} kaudit?"
    end
    missing = keys.reject { |k| value.key?(k) }
    raise Puppet::Error, "#{what} printed JSON without #{missing.join(', ')}: #{out[0, 200].inspect}" unless missing.empty?
    value
  end

  # :synced, or "drifted: ..." saying what differs (kaudit check exits 0 in
  # sync, 1 on drift, 2 on error). Runs kaudit check and nothing else: no
  # log, no state kept.
  def state
    out, err, code = run('check', '--json', *kaudit_args)
    what = "#{binary} check --json (exit #{code})"
    case code
    when 0, 1
      report = parse(out, what, self.class::CHECK_KEYS)
      if report['in_sync'] != code.zero?
        raise Puppet::Error, "#{what} says in_sync #{report['in_sync'].inspect}, which its exit code contradicts"
      end
      report['in_sync'] ? :synced : "drifted: #{drift_summary(report)}"
    else
      raise Puppet::Error, "kaudit check failed (exit #{code}); nothing was changed: #{err}"
    end
  end

  def drift_summary(d)
    "kernel differs from #{Array(resource[:source]).join(', ')}: #{d['adds']} rule(s) to add, " \
      "#{d['deletes']} to delete, #{d['kept']} kept, #{d['settings']} setting(s)"
  end

  def sync
    out, err, code = run('sync', '--json', *kaudit_args)
    case code
    when 0
      parse(out, "#{binary} sync --json", self.class::PLAN_KEYS)
      Puppet.debug("kaudit sync: #{err}")
    when 3
      raise Puppet::Error, 'the kernel\'s audit rules are locked (enabled 2) and differ from the files: ' \
                           "a reboot is needed to load them (#{err})"
    else
      raise Puppet::Error, "kaudit sync failed (exit #{code}): #{err.empty? ? out.strip : err}"
    end
  end
end
