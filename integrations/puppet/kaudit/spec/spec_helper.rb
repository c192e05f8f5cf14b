# frozen_string_literal: true

# Plain RSpec with Debian's puppet (no rspec-puppet): the type and provider
# are loaded from this module's lib/ with Puppet's settings in a private
# directory, so nothing under /etc/puppet or /var/lib/puppet is touched.
require 'fileutils'
require 'tmpdir'
require 'puppet'

$LOAD_PATH.unshift(File.expand_path('../lib', __dir__))
SPEC_PUPPET_DIR = Dir.mktmpdir('kaudit-spec-')
at_exit { FileUtils.rm_rf(SPEC_PUPPET_DIR) }
Puppet.initialize_settings(%w[confdir vardir codedir logdir rundir].flat_map { |d| ["--#{d}", File.join(SPEC_PUPPET_DIR, d)] })
require 'puppet/type/kaudit_ruleset'

RSpec.configure do |c|
  c.expect_with(:rspec) { |e| e.syntax = :expect }
  c.mock_with(:rspec) { |m| m.verify_partial_doubles = true }
end
