// Copying the share link must work in the desktop app, in a browser tab on 127.0.0.1 (a secure
// context) and in older engines: the Clipboard API first, then the selected-text fallback.

export async function copyText(text: string, field?: HTMLInputElement | HTMLTextAreaElement | null): Promise<boolean> {
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text)
      return true
    }
  } catch {
    // Denied (no user gesture, permissions): try the old way.
  }
  if (!field) return false
  field.focus()
  field.select()
  try {
    return document.execCommand('copy')
  } catch {
    return false // the browser refused: the caller shows the text to copy by hand
  }
}
