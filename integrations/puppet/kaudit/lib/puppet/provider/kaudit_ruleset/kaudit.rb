# frozen_string_literal: true

require 'json'
require 'open3'

Puppet::Type.type(:kaudit_ruleset).provide(:kaudit) do
  desc 'Compares with `kaudit check --json` and changes with `kaudit sync`.'

  confine kernel: 'Linux'

  def kaudit_args
    scope = resource[:scope]
    args = scope ? ['--scope', scope.start_with?('key=') ? scope : "key=#{scope}"] : []
    args + Array(resource[:source])
  end

  def run(*args)
    out, err, status = Open3.capture3(resource[:kaudit], *args)
    [out, err.strip, status.exitstatus]
  rescue SystemCallError => e
    raise Puppet::Error, "cannot run #{resource[:kaudit]}: #{e.message}"
  end

  # :synced, or :drifted (kaudit check exits 0 in sync, 1 on drift, 2 on error).
  def state
    out, err, code = run('check', '--json', *kaudit_args)
    case code
    when 0 then :synced
    when 1
      @drift = JSON.parse(out)
      # In noop mode this is the only account of what a run would change.
      resource.notice("would change: #{drift_summary}") if resource.noop?
      :drifted
    else
      raise Puppet::Error, "kaudit check failed (exit #{code}); nothing was changed: #{err}"
    end
  end

  def drift_summary
    d = @drift || {}
    "kernel differs from #{Array(resource[:source]).join(', ')}: #{d['adds']} rule(s) to add, " \
      "#{d['deletes']} to delete, #{d['kept']} kept, #{d['settings']} setting(s)"
  end

  def sync
    _out, err, code = run('sync', *kaudit_args)
    case code
    when 0
      Puppet.debug("kaudit sync: #{err}")
    when 3
      raise Puppet::Error, 'the kernel\'s audit rules are locked (enabled 2) and differ from the files: ' \
                           "a reboot is needed to load them (#{err})"
    else
      raise Puppet::Error, "kaudit sync failed (exit #{code}): #{err}"
    end
  end
end
