#include "core/jobfile/graph.hpp"

#include <algorithm>
#include <queue>

namespace gaia::jobfile {

std::vector<std::vector<std::size_t>> need_indices(const JobSet& set) {
    std::map<std::string_view, std::size_t> by_name;
    for (std::size_t i = 0; i < set.jobs.size(); ++i) by_name.emplace(set.jobs[i].name, i);
    std::vector<std::vector<std::size_t>> out(set.jobs.size());
    for (std::size_t i = 0; i < set.jobs.size(); ++i) {
        for (const auto& need : set.jobs[i].needs) {
            auto it = by_name.find(need);
            if (it != by_name.end() && it->second != i) out[i].push_back(it->second);
        }
    }
    return out;
}

std::vector<std::vector<std::size_t>> find_cycles(const std::vector<std::vector<std::size_t>>& needs) {
    // Iterative DFS (a 10,000-job chain must not overflow the stack); a back edge closes a
    // cycle, which is read off the path.
    enum class Color { white, grey, black };
    std::vector<Color> color(needs.size(), Color::white);
    std::vector<std::vector<std::size_t>> cycles;
    for (std::size_t root = 0; root < needs.size(); ++root) {
        if (color[root] != Color::white) continue;
        std::vector<std::pair<std::size_t, std::size_t>> stack{{root, 0}};  // node, next edge
        std::vector<std::size_t> path{root};
        color[root] = Color::grey;
        while (!stack.empty()) {
            auto& [node, edge] = stack.back();
            if (edge == needs[node].size()) {
                color[node] = Color::black;
                stack.pop_back();
                path.pop_back();
                continue;
            }
            std::size_t next = needs[node][edge++];
            if (color[next] == Color::grey) {
                auto start = std::find(path.begin(), path.end(), next);
                std::vector<std::size_t> cycle(start, path.end());
                cycle.push_back(next);
                cycles.push_back(std::move(cycle));
            } else if (color[next] == Color::white) {
                color[next] = Color::grey;
                stack.emplace_back(next, 0);
                path.push_back(next);
            }
        }
    }
    return cycles;
}

std::vector<std::size_t> topological_order(const std::vector<std::vector<std::size_t>>& needs) {
    // Kahn's algorithm with a min-heap, so independent jobs keep their file order.
    std::vector<std::size_t> waiting(needs.size());
    std::vector<std::vector<std::size_t>> dependents(needs.size());
    for (std::size_t i = 0; i < needs.size(); ++i) {
        waiting[i] = needs[i].size();
        for (auto n : needs[i]) dependents[n].push_back(i);
    }
    std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
    for (std::size_t i = 0; i < needs.size(); ++i) {
        if (waiting[i] == 0) ready.push(i);
    }
    std::vector<std::size_t> order;
    order.reserve(needs.size());
    while (!ready.empty()) {
        auto i = ready.top();
        ready.pop();
        order.push_back(i);
        for (auto d : dependents[i]) {
            if (--waiting[d] == 0) ready.push(d);
        }
    }
    return order;
}

bool needs_transitively(const std::vector<std::vector<std::size_t>>& needs, std::size_t from, std::size_t target) {
    std::vector<bool> seen(needs.size(), false);
    std::vector<std::size_t> todo{from};
    while (!todo.empty()) {
        auto i = todo.back();
        todo.pop_back();
        for (auto n : needs[i]) {
            if (n == target) return true;
            if (!seen[n]) {
                seen[n] = true;
                todo.push_back(n);
            }
        }
    }
    return false;
}

}  // namespace gaia::jobfile
