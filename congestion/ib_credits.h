// InfiniBand link-level credit-based flow control (IBA vol. 1, 7.9), per virtual lane, in
// 64-byte blocks. The receiving end of a link advertises FCCL = ABR + free blocks (12-bit);
// the sending end counts FCTBS and may start a packet only if its blocks fit in
// (FCCL - FCTBS) mod 4096. Nothing is ever dropped: an arrival that does not fit the
// receiver's per-VL buffer is a model bug, counted and fatal (the run stops with a reason).
//
// Where it plugs in (see ns3_backend/DESIGN.md): MayTransmit/OnTransmit at every sender,
// Admit (accounting, never drops) + AfterDequeue at switches, OnHostConsumed at HCAs, and
// credit-update frames (PacketKind::Pause carrying VL and FCCL) through OnControlFrame.
#ifndef ASTRASIM_IB_CREDITS_H
#define ASTRASIM_IB_CREDITS_H

#include "flow-control.h"

#include "ns3/event-id.h"
#include "ns3/nstime.h"

#include <array>
#include <string>
#include <vector>

namespace ns3
{
namespace fabric
{

class IbCreditFlowControl : public FlowControl
{
  public:
    static TypeId GetTypeId();
    static constexpr uint32_t kBlockBytes = 64;
    static constexpr uint32_t kCreditModulo = 4096;  // FCCL/FCTBS are 12-bit counters

    std::string Name() const override
    {
        return "ib_credits";
    }

    bool IsLossless() const override
    {
        return true;
    }

    bool Admit(FabricSwitch& sw, uint32_t inPort, uint32_t prio, uint32_t bytes) override;
    void AfterDequeue(FabricSwitch& sw, uint32_t inPort, uint32_t prio, uint32_t freedBytes) override;
    bool MayTransmit(const FabricPort& port, uint32_t prio, uint32_t bytes) const override;
    void OnTransmit(FabricPort& port, uint32_t prio, uint32_t bytes) override;
    void OnControlFrame(FabricDevice& dev, uint32_t port, const FabricPacket& pkt) override;
    void OnHostConsumed(FabricDevice& dev, uint32_t port, uint32_t prio, uint32_t bytes) override;
    std::string StatsJson() const override;
    /// VL arbitration (IBA 7.6.9): high- then low-priority weighted round robin tables, the
    /// high table yielding after VlHighLimit x 4 KB when the low table has a packet ready.
    int Arbitrate(FabricPort& port) override;
    int ArbitrateSl(FabricPort& port, const std::function<int64_t(uint32_t)>& headBytes) override;
    /// Some VL of `port` waits for credits.
    bool IsHeldBack(const FabricPort& port) const override;
    bool WaitedForPeer(const FabricPort& port, uint32_t prio) const override;

    /// Virtual lane that service level (priority) `sl` travels on.
    uint32_t VlOf(uint32_t sl) const
    {
        return m_slToVl[sl];
    }

    static uint32_t Blocks(uint32_t bytes)
    {
        return (bytes + kBlockBytes - 1) / kBlockBytes;
    }

  private:
    /// Sending end of a link, per VL.
    struct TxVl
    {
        uint32_t fctbs{0};          // total blocks sent, mod 4096
        uint32_t fccl{0};           // last credit limit received, mod 4096
        bool stalled{false};        // a packet waits for credits
        bool lastWaited{false};     // the last packet sent had waited for credits
        bool waitedSinceSend{false};
        uint32_t stalledBlocks{0};  // its size
        Time stallStart;
        int64_t stallPs{0};
    };

    /// Receiving end of a link, per VL.
    struct RxVl
    {
        uint32_t abr{0};            // adjusted blocks received, mod 4096
        uint32_t occupied{0};       // blocks held in the input buffer
        uint32_t maxOccupied{0};
        bool updatePending{false};
        bool refreshPending{false};
        uint64_t updatesSent{0};
    };

    struct ArbitrationEntry
    {
        uint32_t vl;
        uint32_t weight;  // 64-byte units
    };

    /// Position in one arbitration table of one port.
    struct TableCursor
    {
        uint32_t index{0};
        int64_t remaining{-1};  // < 0: load the entry's weight first
    };

    struct PortState
    {
        bool init{false};
        TableCursor high;
        TableCursor low;
        uint64_t highBytesSinceLow{0};
        uint32_t capacityBlocks{0};  // this port's receive buffer per VL
        std::array<TxVl, kNumPriorities> tx{};
        std::array<RxVl, kNumPriorities> rx{};
    };

    PortState& At(const FabricDevice& dev, uint32_t port) const;
    uint32_t CapacityOf(const FabricDevice& dev) const;
    uint32_t Fccl(const RxVl& rx, uint32_t capacity) const
    {
        return (rx.abr + capacity - rx.occupied) % kCreditModulo;
    }
    void Arrive(FabricDevice& dev, uint32_t port, uint32_t vl, uint32_t blocks);
    void Free(FabricDevice& dev, uint32_t port, uint32_t vl, uint32_t blocks);
    void ScheduleUpdate(FabricDevice* dev, uint32_t port, uint32_t vl);
    void SendUpdate(FabricDevice* dev, uint32_t port, uint32_t vl, bool refresh);
    void Violation(FabricDevice& dev, const std::string& what);
    void ParseSlToVl();
    static std::vector<ArbitrationEntry> ParseTable(const std::string& text, const char* name);
    using HeadFn = std::function<int64_t(uint32_t)>;
    /// SL on VL `vl` whose head (size from `head`, -1 = none ready) may go now, or -1.
    int ReadySl(uint32_t vl, const HeadFn& head, int64_t& bytes) const;
    /// Serve `table` from `cursor`: the SL to send from, or -1 when no entry is ready.
    int Serve(const HeadFn& head, const std::vector<ArbitrationEntry>& table, TableCursor& cursor) const;
    /// The high/low table walk shared by switch outputs and HCA ports.
    int ArbitrateTables(PortState& st, const HeadFn& head);

    uint64_t m_switchBufferBytes;
    uint64_t m_hcaBufferBytes;
    uint32_t m_initialCreditBlocks;
    Time m_updateDelay;
    Time m_refreshPeriod;
    std::string m_slToVlText;
    std::array<uint32_t, kNumPriorities> m_slToVl{};
    bool m_parsed{false};
    std::string m_highTableText;
    std::string m_lowTableText;
    uint32_t m_highLimit;
    std::vector<ArbitrationEntry> m_highTable;
    std::vector<ArbitrationEntry> m_lowTable;

    mutable std::vector<std::vector<PortState>> m_state;  // [node][port]
    uint64_t m_updates{0};
    uint64_t m_violations{0};
};

} // namespace fabric
} // namespace ns3

#endif
