# frozen_string_literal: true

require_relative '../spec_helper'
require 'json'

describe Puppet::Type.type(:kaudit_ruleset).provider(:kaudit) do
  let(:type) { Puppet::Type.type(:kaudit_ruleset) }
  let(:source) { '/etc/audit/rules.d' }

  def provider_for(params = {})
    params = { name: 'baseline', source: [source], scope: 'k-', kaudit: '/usr/sbin/kaudit' }.merge(params)
    type.new(params.compact).provider
  end

  # Open3.capture3 answering as kaudit would: [stdout, stderr, exit code].
  def kaudit_says(out, err, code, *args)
    status = instance_double(Process::Status, exitstatus: code)
    expectation = expect(Open3).to receive(:capture3)
    expectation = expectation.with(*args) unless args.empty?
    expectation.and_return([out, err, status])
  end

  let(:drift) { JSON.generate(in_sync: false, adds: 3, deletes: 1, kept: 2, settings: 1) }

  describe '#binary' do
    let(:dir) { Dir.mktmpdir('kaudit-bin-') }

    after(:each) { FileUtils.rm_rf(dir) }

    def executable(path)
      FileUtils.mkdir_p(File.dirname(path))
      File.write(path, "#!/bin/sh\n")
      File.chmod(0o755, path)
      path
    end

    it 'searches /usr/sbin (the Debian package) and /usr/local/sbin after PATH' do
      expect(described_class::SEARCH_DIRS).to eq(['/usr/sbin', '/usr/local/sbin', '/sbin'])
    end

    it 'finds kaudit in PATH first, then in the search directories' do
      sbin = File.join(dir, 'sbin')
      stub_const("#{described_class}::SEARCH_DIRS", [sbin])
      allow(ENV).to receive(:[]).and_call_original
      allow(ENV).to receive(:[]).with('PATH').and_return(File.join(dir, 'bin'))
      p = provider_for(kaudit: nil)
      found = executable(File.join(sbin, 'kaudit'))
      expect(p.binary).to eq(found)
      first = executable(File.join(dir, 'bin', 'kaudit'))
      expect(p.binary).to eq(first)
    end

    it 'says where it looked when kaudit is nowhere' do
      stub_const("#{described_class}::SEARCH_DIRS", [File.join(dir, 'sbin')])
      allow(ENV).to receive(:[]).and_call_original
      allow(ENV).to receive(:[]).with('PATH').and_return("#{dir}/a:#{dir}/b")
      expect { provider_for(kaudit: nil).binary }.to raise_error(
        Puppet::Error, "kaudit binary not found: looked in #{dir}/a, #{dir}/b, #{dir}/sbin (PATH, then #{dir}/sbin); " \
                       'install kaudit or set the kaudit parameter'
      )
    end
  end

  describe '#state (what retrieve returns)' do
    it 'is :synced when kaudit check says so' do
      kaudit_says(JSON.generate(in_sync: true, adds: 0, deletes: 0, kept: 4, settings: 0), '', 0,
                  '/usr/sbin/kaudit', 'check', '--json', '--scope', 'key=k-', source)
      expect(provider_for.state).to eq(:synced)
    end

    it 'describes the drift in its value, and logs and keeps nothing (also in noop)' do
      [false, true].each do |noop|
        p = provider_for(noop: noop)
        kaudit_says(drift, '', 1)
        ivars = p.instance_variables
        expect(Puppet::Util::Log).not_to receive(:create)
        expect(p.state).to eq("drifted: kernel differs from #{source}: 3 rule(s) to add, 1 to delete, 2 kept, 1 setting(s)")
        expect(p.instance_variables).to eq(ivars)
      end
    end

    it 'is what the ensure property retrieves' do
      res = type.new(name: 'x', source: [source], kaudit: '/usr/sbin/kaudit')
      kaudit_says(drift, '', 1)
      expect(res.property(:ensure).retrieve).to start_with('drifted: ')
      expect(res.property(:ensure).insync?(:synced)).to be(true)
    end

    it "fails clearly for /bin/true (exit 0, no JSON), not 'in sync'" do
      expect { provider_for(kaudit: '/bin/true').state }.to raise_error(
        Puppet::Error, "/bin/true check --json (exit 0) printed nothing, not kaudit's JSON; is /bin/true kaudit?"
      )
    end

    it "fails clearly for /bin/false (exit 1, no JSON), not '859: unexpected token'" do
      expect { provider_for(kaudit: '/bin/false').state }.to raise_error(
        Puppet::Error, "/bin/false check --json (exit 1) printed nothing, not kaudit's JSON; is /bin/false kaudit?"
      )
    end

    it 'fails clearly on output that is not JSON, or JSON without the report' do
      kaudit_says('in sync: 3 rule(s)', '', 0)
      expect { provider_for.state }.to raise_error(Puppet::Error, %r{printed "in sync: 3 rule\(s\)", not kaudit's JSON})
      kaudit_says('{"ok": true}', '', 0)
      expect { provider_for.state }.to raise_error(Puppet::Error, %r{printed JSON without in_sync, adds, deletes, kept, settings})
    end

    it 'fails when the exit code and in_sync disagree' do
      kaudit_says(drift, '', 0)
      expect { provider_for.state }.to raise_error(Puppet::Error, %r{says in_sync false, which its exit code contradicts})
    end

    it 'passes kaudit check errors on (exit 2)' do
      kaudit_says('', '/etc/audit/rules.d/50-x.rules:2:4: error: unknown field', 2)
      expect { provider_for.state }.to raise_error(
        Puppet::Error, 'kaudit check failed (exit 2); nothing was changed: /etc/audit/rules.d/50-x.rules:2:4: error: unknown field'
      )
    end

    it 'names a binary that cannot run' do
      expect { provider_for(kaudit: '/nonexistent/kaudit').state }.to raise_error(
        Puppet::Error, %r{\Acannot run kaudit binary /nonexistent/kaudit: No such file or directory}
      )
    end
  end

  describe '#sync' do
    let(:plan) { JSON.generate(in_sync: false, kept: 0, plan: [], settings: [], before: [], after: []) }

    it 'runs kaudit sync --json with the scope and the sources and checks its JSON' do
      kaudit_says(plan, 'kaudit: sync: 1 add(s)', 0, '/usr/sbin/kaudit', 'sync', '--json', '--scope', 'key=k-', source)
      expect { provider_for.sync }.not_to raise_error
    end

    it 'fails for a binary that exits 0 without JSON' do
      expect { provider_for(kaudit: '/bin/true').sync }.to raise_error(Puppet::Error, %r{/bin/true sync --json printed nothing})
    end

    it 'says a reboot is needed on a locked kernel (exit 3)' do
      kaudit_says('', 'kaudit: locked', 3)
      expect { provider_for.sync }.to raise_error(Puppet::Error, %r{a reboot is needed to load them \(kaudit: locked\)})
    end

    it 'passes other failures on' do
      kaudit_says('', 'x.rules:1: error: the kernel refused', 1)
      expect { provider_for.sync }.to raise_error(Puppet::Error, 'kaudit sync failed (exit 1): x.rules:1: error: the kernel refused')
    end
  end

  it "has metadata.json's licence as the project's (Cargo.toml)" do
    root = File.expand_path('../../../../..', __dir__)
    cargo = File.read(File.join(root, 'Cargo.toml'))[%r{^license = "([^"]+)"}, 1]
    metadata = JSON.parse(File.read(File.expand_path('../../metadata.json', __dir__)))
    expect(cargo).to eq('Apache-2.0 OR MIT')
    expect(metadata['license']).to eq(cargo)
  end
end
