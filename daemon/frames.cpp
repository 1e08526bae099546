#include "frames.hpp"

namespace bandwatch::daemon {

bool receive_message(zmq::socket_t& socket, std::vector<zmq::message_t>& frames) {
  frames.clear();
  zmq::message_t part;
  if (!socket.recv(part, zmq::recv_flags::dontwait)) return false;
  bool more = part.more();
  frames.push_back(std::move(part));
  while (more) {
    zmq::message_t next;
    (void)socket.recv(next, zmq::recv_flags::none);  // the rest of a message arrives with it
    more = next.more();
    frames.push_back(std::move(next));
  }
  return true;
}

std::size_t envelope_size(const std::vector<zmq::message_t>& frames) {
  for (std::size_t i = 0; i < frames.size() && i < 32; ++i)
    if (frames[i].size() == 0) return i + 1;
  return 0;
}

void send_reply(zmq::socket_t& socket, std::vector<zmq::message_t>& frames, std::size_t envelope,
                std::string_view payload) {
  for (std::size_t i = 0; i < envelope && i < frames.size(); ++i)
    socket.send(zmq::buffer(frames[i].data(), frames[i].size()), zmq::send_flags::sndmore);
  socket.send(zmq::buffer(payload.data(), payload.size()), zmq::send_flags::none);
}

}  // namespace bandwatch::daemon
