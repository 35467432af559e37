package io.dreamscape.cli;

public final class DreamscapeCli {
    public static void main(String[] args) {
        System.out.println("dreamscape");
    }
}
