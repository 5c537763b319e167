// Where the web UI listens when nothing else is chosen: http://127.0.0.1:7462/. A fixed address
// (Syncthing's is 127.0.0.1:8384) keeps bookmarks and open tabs working across restarts.
// 7462 spells SHOA(L) on a phone keypad; IANA has not assigned it and no common program listens
// there (unlike 7000 AirPlay on macOS, 7001 WebLogic, 7070, 7443, 7474 Neo4j, 7680 Windows Delivery
// Optimization, 7860 Gradio, 7878 Radarr, 7890 Clash). `shoal run --port N` or the stored setting
// (`shoal settings --ui-port N`, the Settings page) choose another; 0 asks for any free port (tests).

export const DEFAULT_UI_PORT = 7462

/** True for a port a person may store in the settings (0, "any free port", is for one run only). */
export function isUiPort(port: unknown): port is number {
  return typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535
}
