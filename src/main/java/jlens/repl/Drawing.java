package jlens.repl;

/**
 * Text as it was printed: plain for {@code .txt}, with its colour escapes for {@code .ansi}.
 *
 * @param plain the characters only
 * @param ansi  the same with SGR escapes (equal to {@code plain} in mono)
 */
public record Drawing(String plain, String ansi) {}
