package com.example.inventory;

import com.example.inventory.ProductCommand.CreateProduct;
import com.example.inventory.ProductCommand.Discontinue;
import com.example.inventory.ProductCommand.ReceiveStock;
import com.example.inventory.ProductCommand.ReserveStock;
import com.example.inventory.ProductEvent.ProductCreated;
import com.example.inventory.ProductEvent.ProductDiscontinued;
import com.example.inventory.ProductEvent.StockReceived;
import com.example.inventory.ProductEvent.StockReserved;
import io.ordo.es.Decider;
import io.ordo.es.Decision;
import io.ordo.es.EventType;

import java.util.List;

import static com.example.inventory.ProductRejection.INSUFFICIENT_STOCK;
import static com.example.inventory.ProductRejection.PRODUCT_ALREADY_EXISTS;
import static com.example.inventory.ProductRejection.PRODUCT_DISCONTINUED;
import static com.example.inventory.ProductRejection.PRODUCT_NAME_REQUIRED;
import static com.example.inventory.ProductRejection.PRODUCT_NOT_FOUND;
import static com.example.inventory.ProductRejection.QUANTITY_NOT_POSITIVE;

/** A product's rules: created once; stock received and reserved in positive quantities, never below zero; discontinued once. */
public final class ProductDecider implements Decider<ProductState, ProductCommand, ProductEvent> {

    public static final String AGGREGATE_TYPE = "Product";

    @Override
    public String aggregateType() {
        return AGGREGATE_TYPE;
    }

    @Override
    public List<EventType<? extends ProductEvent>> eventTypes() {
        return ProductEvent.TYPES;
    }

    @Override
    public Class<ProductEvent> eventClass() {
        return ProductEvent.class;
    }

    @Override
    public ProductState initialState() {
        return ProductState.NONE;
    }

    @Override
    public Class<ProductCommand> commandClass() {
        return ProductCommand.class;
    }

    @Override
    public Class<ProductState> stateClass() {
        return ProductState.class;
    }

    @Override
    public Decision<ProductEvent> decide(ProductState state, ProductCommand command) {
        if (command instanceof CreateProduct create) {
            if (state.exists()) {
                return Decision.reject(PRODUCT_ALREADY_EXISTS, "the product exists");
            }
            if (create.name() == null || create.name().isBlank()) {
                return Decision.reject(PRODUCT_NAME_REQUIRED, "a product needs a name");
            }
            return Decision.accept(new ProductCreated(create.name().strip(), create.sku()));
        }
        if (!state.exists()) {
            return Decision.reject(PRODUCT_NOT_FOUND, "no such product");
        }
        if (state.discontinued()) {
            return Decision.reject(PRODUCT_DISCONTINUED, "the product is discontinued");
        }
        if (command instanceof ReceiveStock receive) {
            return receive.quantity() <= 0
                    ? Decision.reject(QUANTITY_NOT_POSITIVE, "received quantity must be positive")
                    : Decision.accept(new StockReceived(receive.quantity()));
        }
        if (command instanceof ReserveStock reserve) {
            if (reserve.quantity() <= 0) {
                return Decision.reject(QUANTITY_NOT_POSITIVE, "reserved quantity must be positive");
            }
            if (reserve.quantity() > state.stock()) {
                return Decision.reject(INSUFFICIENT_STOCK, "only " + state.stock() + " in stock");
            }
            return Decision.accept(new StockReserved(reserve.quantity()));
        }
        Discontinue discontinue = (Discontinue) command;
        return Decision.accept(new ProductDiscontinued(discontinue.reason()));
    }

    @Override
    public ProductState evolve(ProductState state, ProductEvent event) {
        if (event instanceof ProductCreated created) {
            return new ProductState(created.name(), created.sku(), 0, false, true);
        }
        if (event instanceof StockReceived received) {
            return new ProductState(state.name(), state.sku(), state.stock() + received.quantity(), false, true);
        }
        if (event instanceof StockReserved reserved) {
            return new ProductState(state.name(), state.sku(), state.stock() - reserved.quantity(), false, true);
        }
        return new ProductState(state.name(), state.sku(), state.stock(), true, true);
    }
}
