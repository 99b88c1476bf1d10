package io.tollgate.hook;

/**
 * Cleans text a merchant sent before it travels on: into events, logs, and (for {@code message}) onto the shopper's
 * screen. Control and invisible formatting characters go (no log forging, no right-to-left overrides), length is
 * capped.
 */
final class AnswerText {

  private AnswerText() {
  }

  /** The cleaned text, or null when nothing printable is left. */
  static String clean(String text, int maxChars) {
    if (text == null) {
      return null;
    }
    StringBuilder out = new StringBuilder(Math.min(text.length(), maxChars));
    text.codePoints().forEach(cp -> {
      if (cp == '\t' || cp == '\n' || cp == '\r') {
        out.append(' ');
      } else if (!Character.isISOControl(cp) && Character.getType(cp) != Character.FORMAT
          && Character.getType(cp) != Character.UNASSIGNED && Character.getType(cp) != Character.SURROGATE) {
        out.appendCodePoint(cp);
      }
    });
    String cleaned = out.toString().strip();
    if (cleaned.length() > maxChars) {
      int end = Character.isHighSurrogate(cleaned.charAt(maxChars - 1)) ? maxChars - 1 : maxChars;
      cleaned = cleaned.substring(0, end).strip();
    }
    return cleaned.isEmpty() ? null : cleaned;
  }
}
