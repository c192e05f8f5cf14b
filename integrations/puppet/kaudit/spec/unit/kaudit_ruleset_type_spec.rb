# frozen_string_literal: true

require_relative '../spec_helper'

describe Puppet::Type.type(:kaudit_ruleset) do
  let(:type) { described_class }

  def ruleset(params = {})
    type.new({ name: 'baseline', source: ['/etc/audit/rules.d'] }.merge(params))
  end

  it 'has no fixed kaudit path by default (the provider searches PATH, /usr/sbin, /usr/local/sbin)' do
    expect(ruleset[:kaudit]).to be_nil
  end

  it 'refuses a kaudit path that is not absolute' do
    expect { ruleset(kaudit: 'kaudit') }.to raise_error(Puppet::ResourceError, %r{kaudit must be an absolute path})
  end

  ['', 'key=', '  ', 'key= '].each do |scope|
    it "refuses the empty scope #{scope.inspect}" do
      expect { ruleset(scope: scope) }.to raise_error(Puppet::ResourceError, %r{scope must be a non-empty key prefix})
    end
  end

  it 'takes a key prefix as scope' do
    expect(ruleset(scope: 'cis-')[:scope]).to eq('cis-')
  end

  it 'refuses relative sources and a missing source' do
    expect { ruleset(source: ['rules.d']) }.to raise_error(Puppet::ResourceError, %r{source must be absolute paths})
    expect { type.new(name: 'x') }.to raise_error(Puppet::ResourceError, %r{needs source})
  end

  describe 'autorequire(:file)' do
    def required_by(rs, files)
      catalog = Puppet::Resource::Catalog.new
      files.each { |f| catalog.add_resource(f) }
      catalog.add_resource(rs)
      rs.autorequire.map { |rel| rel.source.ref }.sort
    end

    def file(path, ensure_ = :file)
      Puppet::Type.type(:file).new(path: path, ensure: ensure_)
    end

    it 'requires the source directory, the files in it and a source file, not neighbours' do
      files = [file('/etc/audit/rules.d', :directory), file('/etc/audit/rules.d/50-cis.rules'),
               file('/etc/audit/rules.d/sub/x.rules'), file('/etc/audit/rules.dx'),
               file('/etc/audit/extra.rules'), file('/etc/passwd')]
      rs = ruleset(source: ['/etc/audit/rules.d/', '/etc/audit/extra.rules'])
      expect(required_by(rs, files)).to eq(['File[/etc/audit/extra.rules]', 'File[/etc/audit/rules.d/50-cis.rules]',
                                            'File[/etc/audit/rules.d/sub/x.rules]', 'File[/etc/audit/rules.d]'])
    end

    it 'requires the kaudit binary when it is given' do
      rs = ruleset(kaudit: '/opt/kaudit/bin/kaudit')
      expect(required_by(rs, [file('/opt/kaudit/bin/kaudit')])).to eq(['File[/opt/kaudit/bin/kaudit]'])
    end
  end
end
