#include "core/jobfile/graph.hpp"

#include <algorithm>
#include <map>
#include <queue>
#include <unordered_set>

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

namespace {

// Tarjan's strongly connected components, iterative (a 50,000-job chain must not overflow
// the stack). Returns each job's component number.
std::vector<std::size_t> components(const std::vector<std::vector<std::size_t>>& needs, std::size_t& count) {
    constexpr std::size_t unvisited = static_cast<std::size_t>(-1);
    const std::size_t n = needs.size();
    std::vector<std::size_t> index(n, unvisited), low(n, 0), component(n, unvisited);
    std::vector<bool> on_stack(n, false);
    std::vector<std::size_t> stack;
    std::vector<std::pair<std::size_t, std::size_t>> calls;  // node, next edge
    std::size_t next_index = 0;
    count = 0;
    auto visit = [&](std::size_t v) {
        index[v] = low[v] = next_index++;
        stack.push_back(v);
        on_stack[v] = true;
        calls.emplace_back(v, 0);
    };
    for (std::size_t root = 0; root < n; ++root) {
        if (index[root] != unvisited) continue;
        visit(root);
        while (!calls.empty()) {
            auto& [v, edge] = calls.back();
            if (edge < needs[v].size()) {
                const std::size_t w = needs[v][edge++];
                if (index[w] == unvisited) visit(w);
                else if (on_stack[w]) low[v] = std::min(low[v], index[w]);
                continue;
            }
            const std::size_t done = v;
            calls.pop_back();
            if (!calls.empty()) low[calls.back().first] = std::min(low[calls.back().first], low[done]);
            if (low[done] != index[done]) continue;
            std::size_t w;
            do {
                w = stack.back();
                stack.pop_back();
                on_stack[w] = false;
                component[w] = count;
            } while (w != done);
            ++count;
        }
    }
    return component;
}

// A shortest cycle from `start` back to it, inside its component (breadth first).
std::vector<std::size_t> shortest_cycle(const std::vector<std::vector<std::size_t>>& needs,
                                        const std::vector<std::size_t>& component, std::size_t start) {
    std::map<std::size_t, std::size_t> parent;  // only the component's jobs are visited
    std::queue<std::size_t> frontier;
    frontier.push(start);
    while (!frontier.empty()) {
        const std::size_t v = frontier.front();
        frontier.pop();
        for (std::size_t w : needs[v]) {
            if (component[w] != component[start]) continue;
            if (w == start) {
                std::vector<std::size_t> cycle{start};
                for (std::size_t at = v; at != start; at = parent[at]) cycle.push_back(at);
                std::reverse(cycle.begin() + 1, cycle.end());
                cycle.push_back(start);
                return cycle;
            }
            if (parent.emplace(w, v).second) frontier.push(w);
        }
    }
    return {start, start};  // not reached: a component of two or more jobs has a cycle through each
}

}  // namespace

std::vector<CycleGroup> find_cycle_groups(const std::vector<std::vector<std::size_t>>& needs) {
    std::size_t count = 0;
    const auto component = components(needs, count);
    std::vector<std::vector<std::size_t>> members(count);
    for (std::size_t i = 0; i < needs.size(); ++i) members[component[i]].push_back(i);
    std::vector<CycleGroup> groups;
    for (auto& m : members) {
        if (m.size() < 2) continue;  // a job that needs itself is reported on its own
        groups.push_back({m, shortest_cycle(needs, component, m.front())});
    }
    std::sort(groups.begin(), groups.end(),
              [](const CycleGroup& a, const CycleGroup& b) { return a.members.front() < b.members.front(); });
    return groups;
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
    // Most references name a direct need: answered without a walk. A walk costs what it
    // visits, not the size of the set, so a 50,000-job chain checks in linear time.
    if (std::find(needs[from].begin(), needs[from].end(), target) != needs[from].end()) return true;
    std::unordered_set<std::size_t> seen;
    std::vector<std::size_t> pending{from};
    while (!pending.empty()) {
        auto i = pending.back();
        pending.pop_back();
        for (auto n : needs[i]) {
            if (n == target) return true;
            if (seen.insert(n).second) pending.push_back(n);
        }
    }
    return false;
}

}  // namespace gaia::jobfile
