#include <string>
#include <vector>

#include "server/app.hpp"

int main(int argc, char** argv) { return aurora::server::RunServer(std::vector<std::string>(argv + 1, argv + argc)); }
