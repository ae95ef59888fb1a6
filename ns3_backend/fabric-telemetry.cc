#include "fabric-telemetry.h"

#include "fabric-network.h"
#include "json-writer.h"

#include "ns3/log.h"

#include <algorithm>

namespace ns3
{
namespace fabric
{

NS_LOG_COMPONENT_DEFINE("FabricTelemetry");

void
FabricTelemetry::ArmSampler(Time interval)
{
    if (m_armed || !interval.IsStrictlyPositive())
    {
        return;
    }
    m_interval = interval;
    if (m_ports.empty())
    {
        for (auto& d : m_net->Devices())
        {
            for (auto& p : d->Ports())
            {
                m_ports.emplace_back(d->GetNodeId(), p.index);
            }
        }
    }
    m_armed = true;
    Simulator::ScheduleNow(&FabricTelemetry::Sample, this);
}

void
FabricTelemetry::Sample()
{
    m_time.push_back(Simulator::Now().GetNanoSeconds());
    std::vector<uint32_t> q;
    std::vector<uint8_t> paused;
    q.reserve(m_ports.size());
    for (auto& [node, port] : m_ports)
    {
        const FabricPort& p = m_net->Devices()[node]->Ports()[port];
        q.push_back(static_cast<uint32_t>(p.TotalQueueBytes()));
        uint8_t any = 0;
        for (uint32_t prio = 1; prio < kNumPriorities; ++prio)
        {
            any |= p.IsPaused(prio) ? 1 : 0;
        }
        any |= m_net->Fc().IsHeldBack(p) ? 1 : 0;
        paused.push_back(any);
    }
    m_queue.push_back(std::move(q));
    m_paused.push_back(std::move(paused));
    const auto& qps = m_net->QueuePairs().All();
    std::vector<float> rates;
    std::vector<uint64_t> delivered;
    rates.reserve(qps.size());
    delivered.reserve(qps.size());
    for (auto& qp : qps)
    {
        rates.push_back(qp->sndUna < qp->enqueued ? static_cast<float>(qp->rateGbps) : 0.0f);
        delivered.push_back(qp->rcvNxt);
    }
    m_rates.push_back(std::move(rates));
    m_delivered.push_back(std::move(delivered));
    if (m_net->Outstanding() == 0)
    {
        m_armed = false;
        return;
    }
    Simulator::Schedule(m_interval, &FabricTelemetry::Sample, this);
}

void
FabricTelemetry::WritePorts(JsonWriter& w) const
{
    w.Key("ports").BeginArray();
    for (auto& d : m_net->Devices())
    {
        for (auto& p : d->Ports())
        {
            const PortCounters& c = m_net->Counters().Port(d->GetNodeId(), p.index);
            w.BeginObject()
                .Field("node", d->GetNodeId())
                .Field("port", p.index)
                .Field("peer", p.peer->GetNodeId())
                .Field("tx_bytes", p.txBytes)
                .Field("tx_data_packets", c.txDataPackets)
                .Field("pause_frames_sent", c.pauseFramesSent)
                .Field("pause_frames_received", c.pauseFramesReceived)
                .Field("paused_ns", p.pausedPs / 1000)
                .Field("max_queue_bytes", p.maxQueueBytes)
                .Field("ecn_marks", c.ecnMarks)
                .Field("drops", c.drops)
                .EndObject();
        }
    }
    w.EndArray();
}

void
FabricTelemetry::WriteLinks(JsonWriter& w) const
{
    const auto& devices = m_net->Devices();
    w.Key("links").BeginArray();
    for (const auto& l : m_net->Links())
    {
        w.BeginObject()
            .Field("a", l.a)
            .Field("b", l.b)
            .Field("gbps", l.gbps)
            .Field("latency_ns", l.latencyNs)
            .Field("bytes_a_to_b", devices[l.a]->Ports()[l.portA].txBytes)
            .Field("bytes_b_to_a", devices[l.b]->Ports()[l.portB].txBytes)
            .EndObject();
    }
    w.EndArray();
}

std::string
FabricTelemetry::TelemetryJson() const
{
    uint64_t drops = 0, pauseFrames = 0, xoffFrames = 0, ecn = 0, maxQ = 0, maxBuf = 0;
    int64_t pausedPs = 0;
    for (auto& d : m_net->Devices())
    {
        for (auto& p : d->Ports())
        {
            const PortCounters& c = m_net->Counters().Port(d->GetNodeId(), p.index);
            drops += c.drops;
            pauseFrames += c.pauseFramesSent;
            ecn += c.ecnMarks;
            xoffFrames += c.xoffFramesSent;
            maxQ = std::max(maxQ, p.maxQueueBytes);
            pausedPs += p.pausedPs;
        }
        if (d->IsSwitch())
        {
            maxBuf = std::max(maxBuf, DynamicCast<FabricSwitch>(d)->Mmu().maxTotalUsed);
        }
    }
    // PAUSE-kind frames are IB credit updates under credit flow control, not PFC.
    bool pfc = m_net->Fc().Name() == "pfc";
    const FabricCounters& k = m_net->Counters();
    JsonWriter w;
    w.BeginObject()
        .Field("data_packets", k.dataPackets)
        .Field("retransmitted_packets", k.retransmittedPackets)
        .Field("drops", drops)
        .Field("pfc_pause_frames", pfc ? pauseFrames : 0)
        .Field("flow_control_frames", pauseFrames)
        .Field("pfc_xoff_frames", pfc ? xoffFrames : 0)
        .Field("pfc_paused_ns", pausedPs / 1000)
        .Field("ecn_marks", ecn)
        .Field("cnps", k.cnps)
        .Field("acks", k.acks)
        .Field("nacks", k.nacks)
        .Field("timeouts", k.timeouts)
        .Field("max_queue_bytes", maxQ)
        .Field("max_switch_buffer_bytes", maxBuf)
        .Field("delivered_bytes", m_net->DeliveredBytes())
        .Field("delivered_messages", m_net->DeliveredMessages())
        .Field("queue_pairs", m_net->QueuePairs().Size())
        .Field("events", Simulator::GetEventCount());
    WritePorts(w);
    WriteLinks(w);
    w.Key("flow_control_stats").Raw(m_net->Fc().StatsJson(), "{}");
    w.Key("congestion_control_stats").Raw(m_net->Cc().StatsJson(), "{}");
    w.EndObject();
    return w.Str();
}

template <typename T>
static void
WriteSamples(JsonWriter& w, const char* name, const std::vector<std::vector<T>>& samples)
{
    w.Key(name).BeginArray();
    for (const auto& s : samples)
    {
        w.NumberArray(s);
    }
    w.EndArray();
}

std::string
FabricTelemetry::TimeSeriesJson() const
{
    JsonWriter w;
    w.BeginObject();
    w.Key("time_ns").NumberArray(m_time);
    w.Key("ports").BeginArray();
    for (const auto& [node, port] : m_ports)
    {
        w.BeginArray().Number(node).Number(port).EndArray();
    }
    w.EndArray();
    WriteSamples(w, "queue_bytes", m_queue);
    WriteSamples(w, "paused", m_paused);
    WriteSamples(w, "qp_rate_gbps", m_rates);
    WriteSamples(w, "qp_delivered_bytes", m_delivered);
    w.Key("qps").BeginArray();
    for (const auto& qp : m_net->QueuePairs().All())
    {
        w.BeginArray().Number(qp->src).Number(qp->dst).Number(qp->stream).EndArray();
    }
    w.EndArray().EndObject();
    return w.Str();
}

} // namespace fabric
} // namespace ns3
