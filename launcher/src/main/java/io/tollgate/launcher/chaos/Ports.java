package io.tollgate.launcher.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/**
 * Loopback ports for the deployment, fixed for the whole run: a process started again must listen where
 * its peers and clients already look for it. Each is free when handed out and never handed out twice.
 */
final class Ports {
    private final Set<Integer> given = new HashSet<>();

    synchronized int next() {
        while (true) {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                if (given.add(socket.getLocalPort())) {
                    return socket.getLocalPort();
                }
            } catch (IOException e) {
                throw new UncheckedIOException("no free loopback port", e);
            }
        }
    }
}
