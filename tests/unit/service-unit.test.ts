import { describe, expect, it } from 'vitest'
import { LAUNCHD_LABEL, SERVICE_MARK, serviceFile, systemdArg } from '../../main/daemon/service-unit.ts'

// Which service file `shoal service install` writes on each platform, and what it holds: the daemon's
// exact command line, with the quoting each service manager needs for paths a user may have.

const argv = ['/usr/local/bin/node', '/opt/shoal/bin/shoal.js', 'run', '--data', '/home/ana/.local/share/shoal']

describe('the service file for each platform', () => {
  it('Linux: a systemd user unit under ~/.config/systemd/user that runs shoal run, enabled with systemctl --user', () => {
    const s = serviceFile({ platform: 'linux', home: '/home/ana', env: {}, argv })
    expect(s.manager).toBe('systemd')
    expect(s.file).toBe('/home/ana/.config/systemd/user/shoal.service')
    expect(s.content).toContain(SERVICE_MARK)
    expect(s.content.split('\n')).toContain('ExecStart=/usr/local/bin/node /opt/shoal/bin/shoal.js run --data /home/ana/.local/share/shoal')
    expect(s.content).toMatch(/^\[Install\]\nWantedBy=default\.target$/m)
    expect(s.content).toMatch(/^Restart=on-failure$/m)
    expect(s.enable).toEqual(['systemctl --user daemon-reload', 'systemctl --user enable --now shoal'])
    expect(s.enabledLink).toBe('/home/ana/.config/systemd/user/default.target.wants/shoal.service')
  })

  it('Linux: XDG_CONFIG_HOME moves the unit folder, as systemd reads it', () => {
    expect(serviceFile({ platform: 'linux', home: '/home/ana', env: { XDG_CONFIG_HOME: '/cfg' }, argv }).file).toBe('/cfg/systemd/user/shoal.service')
  })

  it("ExecStart quotes a path with spaces or quotes, and escapes systemd's % and $ so the path stays the path", () => {
    expect(systemdArg('/home/ana/My Data')).toBe('"/home/ana/My Data"')
    expect(systemdArg('/srv/100%')).toBe('/srv/100%%')
    expect(systemdArg('/srv/$HOME')).toBe('"/srv/$$HOME"')
    expect(systemdArg('/srv/a"b\\c')).toBe('"/srv/a\\"b\\\\c"')
  })

  it('macOS: a launchd agent in ~/Library/LaunchAgents with the same command line, XML-escaped, and a log file', () => {
    const s = serviceFile({ platform: 'darwin', home: '/Users/ana', env: {}, argv: [...argv.slice(0, 4), '/Users/ana/R&D <shoal>'] })
    expect(s.manager).toBe('launchd')
    expect(s.file).toBe(`/Users/ana/Library/LaunchAgents/${LAUNCHD_LABEL}.plist`)
    expect(s.content).toContain(SERVICE_MARK)
    expect(s.content).toContain(
      ['<array>', '<string>/usr/local/bin/node</string>', '<string>/opt/shoal/bin/shoal.js</string>', '<string>run</string>', '<string>--data</string>', '<string>/Users/ana/R&amp;D &lt;shoal&gt;</string>', '</array>'].join('\n    ').replace('\n    </array>', '\n  </array>')
    )
    expect(s.content).toContain('<key>RunAtLoad</key><true/>')
    expect(s.enable).toEqual([`launchctl bootstrap gui/$(id -u) /Users/ana/Library/LaunchAgents/${LAUNCHD_LABEL}.plist`])
    expect(s.makeDirs).toEqual(['/Users/ana/Library/Logs/Shoal'])
  })

  it('elsewhere (Windows): a clear error that says what to do instead', () => {
    expect(() => serviceFile({ platform: 'win32', home: 'C:\\Users\\ana', env: {}, argv })).toThrow(/systemd user unit \(Linux\) or a launchd agent \(macOS\), not a service for win32.*Task Scheduler/)
  })
})
