"""The pure clinical domain of ivlog: event payloads, products and protocols, rate maths, alert rules
and the visit timeline fold. Plain functions over plain data; no HTTP, no database. Import the public
API (`__all__`) from here."""

from server.clinical.context_checks import context_problems
from server.clinical.events import CURRENT_SCHEMA, upcast, validate_event
from server.clinical.order_safety import OrderProblem, OrderSafety, check_order
from server.clinical.problems import EventInvalid, Problem
from server.clinical.products import Catalog, Product, Protocol, load_products, order_protocol
from server.clinical.rates import RateLimit, Step, from_ml_h, rate_limit, step_schedule, to_ml_h
from server.clinical.rounding import round_half_up
from server.clinical.rulebook import RuleBook
from server.clinical.rules import Alert, load_rules
from server.clinical.timeline import VisitState, fold_timeline
from server.clinical.titration import Recommendation, recommend_next_rate
from server.clinical.visit_context import Order, OrganizationPolicy, PatientFlags, PremedOrder, VisitContext

__all__ = [
    "CURRENT_SCHEMA", "Alert", "Catalog", "EventInvalid", "Order", "OrderProblem", "OrderSafety", "PatientFlags", "PremedOrder", "Problem",
    "Product", "Protocol", "RateLimit", "Recommendation", "RuleBook", "Step", "OrganizationPolicy", "VisitContext", "VisitState",
    "check_order", "context_problems", "fold_timeline", "from_ml_h", "load_products", "load_rules", "order_protocol",
    "rate_limit", "recommend_next_rate", "round_half_up", "step_schedule", "to_ml_h", "upcast",
    "validate_event",
]
